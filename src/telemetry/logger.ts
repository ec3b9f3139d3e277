// One pino root logger. Redaction is a second line of defence: credentials are never passed to the
// logger on purpose, but a field that carries one by accident is censored.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'error';
export type LogEncoding = 'json' | 'console';

const REDACT = [
  'token',
  '*.token',
  'workerSecret',
  '*.workerSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'data',
  'secret.data',
];

export function createLogger(options: {
  level: LogLevel;
  encoding: LogEncoding;
  destination?: NodeJS.WritableStream;
}): Logger {
  const destination = options.destination ?? process.stderr;
  const stream = options.encoding === 'console' ? consoleStream(destination) : destination;
  return pino(
    {
      level: options.level,
      base: { controller: 'confighub-source-controller' },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    stream,
  );
}

/** Human-readable lines for --log-encoding=console: `time level msg key=value …`. */
function consoleStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          const { time, level, msg, controller: _c, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)} ${fields}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      callback();
    },
  });
}

/** A logger that drops everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
