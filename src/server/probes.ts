// Health (/healthz, /readyz on --health-addr) and metrics (/metrics on --metrics-addr) endpoints.
import express from 'express';
import type { Registry } from 'prom-client';

export function createHealthApp(checks: { ready: () => boolean }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    if (checks.ready()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('not ready');
  });
  return app;
}

export function createMetricsApp(registry: Registry): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}
