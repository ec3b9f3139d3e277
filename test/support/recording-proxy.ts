// A pass-through HTTP proxy in front of the Kubernetes API test server that keeps every request body,
// so tests can check what the controller actually sent (e.g. that main-resource writes carry no status).
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeApiServer } from '../../testkit/kube-api-server/index.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

export interface RecordingProxy {
  url: string;
  readonly requests: RecordedRequest[];
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

export async function startRecordingProxy(kube: KubeApiServer): Promise<RecordingProxy> {
  const target = new URL(kube.url);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        contentType: req.headers['content-type'],
        body: body.toString('utf8'),
      });
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    kubeConfig() {
      const config = new KubeConfig();
      const options = kube.kubeConfig();
      config.loadFromOptions({
        ...options,
        clusters: options.clusters.map((cluster) => ({ ...cluster, server: url })),
      });
      return config;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
