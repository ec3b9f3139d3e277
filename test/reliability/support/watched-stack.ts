// A local stack whose every output a secrets search needs is kept: the controller's logs at trace level
// and the event payloads forwarded to a notification-controller stand-in (--events-addr).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { useLocalStack } from '../../support/local-stack.ts';
import { CHR, download, EA, type Repo, type RepositoryStack } from '../../support/repositories.ts';

export interface WatchedStack {
  stack: RepositoryStack;
  /** Every log line written so far. */
  logs(): string;
  /** Every event payload forwarded so far. */
  forwarded(): string;
  /**
   * Everything the controller has put out so far, by where: its logs, the Events, the forwarded events,
   * the statuses of repositories and ExternalArtifacts, /metrics, and every published artifact gunzipped.
   */
  outputs(): Promise<
    Record<'logs' | 'events' | 'forwardedEvents' | 'statuses' | 'metrics' | 'artifacts', string>
  >;
}

/** A watched stack for the calling file: its notification stand-in starts before the stack and stops after it. */
export function useWatchedStack(): WatchedStack {
  let logs = '';
  let forwarded = '';
  let notifications: Server | undefined;
  let eventsAddr = '';
  beforeAll(async () => {
    const server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        forwarded += chunk.toString('utf8');
      });
      req.on('end', () => res.writeHead(202).end());
    });
    notifications = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    eventsAddr = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  // Registered before the stack's, so it runs once the stack has stopped.
  afterAll(async () => {
    const server = notifications;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs += chunk.toString('utf8');
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', encoding: 'json', destination });
  const stack = useLocalStack(() => ({ logger, controllerArgs: [`--events-addr=${eventsAddr}`] }));
  return {
    stack,
    logs: () => logs,
    forwarded: () => forwarded,
    outputs: async () => ({
      logs,
      events: JSON.stringify(stack.kube.list('events')),
      forwardedEvents: forwarded,
      statuses: JSON.stringify([...stack.kube.list(CHR), ...stack.kube.list(EA)].map((o) => o.status)),
      metrics: await (await fetch(`${stack.controller!.servers.metrics.url}/metrics`)).text(),
      artifacts: await artifactContents(stack),
    }),
  };
}

/** Every artifact currently published, gunzipped (tar headers and file contents as text). */
async function artifactContents(stack: RepositoryStack): Promise<string> {
  let text = '';
  for (const repo of stack.kube.list(CHR) as Repo[]) {
    const url = repo.status?.artifact?.url;
    if (url === undefined) continue;
    const { bytes } = await download(url);
    text += gunzipSync(bytes).toString('latin1');
  }
  return text;
}
