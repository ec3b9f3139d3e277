// A local stack whose every output a secrets search needs is kept: the controller's logs at trace level
// and the event payloads forwarded to a notification-controller stand-in (--events-addr).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { type LocalStack, startLocalStack } from '../../../testkit/local-stack.ts';

export interface WatchedStack {
  stack: LocalStack;
  /** Every log line written so far. */
  logs(): string;
  /** Every event payload forwarded so far. */
  forwarded(): string;
  stop(): Promise<void>;
}

export async function startWatchedStack(): Promise<WatchedStack> {
  let logs = '';
  let forwarded = '';
  const notifications = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      forwarded += chunk.toString('utf8');
    });
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => notifications.listen(0, '127.0.0.1', resolve));
  const eventsAddr = `http://127.0.0.1:${(notifications.address() as AddressInfo).port}/`;
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs += chunk.toString('utf8');
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', encoding: 'json', destination });
  const stack = await startLocalStack({ logger, controllerArgs: [`--events-addr=${eventsAddr}`] });
  return {
    stack,
    logs: () => logs,
    forwarded: () => forwarded,
    async stop() {
      await stack.stop();
      notifications.closeAllConnections();
      await new Promise((resolve) => notifications.close(resolve));
    },
  };
}
