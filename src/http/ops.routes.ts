// Operations endpoints: liveness, readiness (SpiceDB answers and holds our schema), metrics,
// the OpenAPI document, and the schema text SpiceDB serves (scope `check`).
import { z } from 'zod';
import type { AuthzStore } from '../domain/store-port.js';
import type { Metrics } from '../metrics.js';
import { route, type RouteSpec } from './route.js';

export function opsRoutes(
  store: AuthzStore,
  expectedSchema: () => string | undefined,
  draining: () => boolean,
  metrics: Metrics | undefined,
  openapi: () => object,
): RouteSpec[] {
  const status = z.object({ status: z.string(), backend: z.string().optional() });
  return [
    route({
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'Liveness: 200 while the process runs',
      responses: { 200: { description: 'alive', schema: status } },
      handler: (_req, res) => {
        res.json({ status: 'ok' });
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'Readiness: 200 when SpiceDB answers and holds the service’s schema, and the process is not shutting down',
      responses: { 200: { description: 'ready', schema: status }, 503: { description: 'not ready (or shutting down)', schema: status } },
      handler: async (_req, res) => {
        if (draining()) return void res.status(503).json({ status: 'shutting down', backend: store.kind });
        let ready = false;
        try {
          const served = await store.readSchema();
          ready = served.length > 0 && served === expectedSchema();
        } catch {
          ready = false; // not ready is the answer, not an error
        }
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', backend: store.kind });
      },
    }),
    // on this listener unless RAC_METRICS_PORT gives it one of its own (metrics-server.ts)
    ...(metrics ? [metricsRoute(metrics)] : []),
    route({
      method: 'get',
      path: '/openapi.json',
      tag: 'operations',
      summary: 'This document: OpenAPI 3.1, generated from the zod schemas',
      responses: { 200: { description: 'OpenAPI 3.1', schema: z.object({}).passthrough() } },
      handler: (_req, res) => {
        res.json(openapi());
      },
    }),
    route({
      method: 'get',
      path: '/v1/schema',
      tag: 'checks',
      summary: 'The schema text SpiceDB holds',
      scope: 'check',
      responses: { 200: { description: 'schema.zed as SpiceDB serves it', contentType: 'text/plain', schema: z.string() } },
      handler: async (_req, res) => {
        res.type('text/plain').send(await store.readSchema());
      },
    }),
  ];
}

function metricsRoute(metrics: Metrics): RouteSpec {
  return route({
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics (bind it where only the scraper reaches: RAC_METRICS_PORT serves it on a listener of its own instead)',
    responses: { 200: { description: 'Prometheus text', contentType: 'text/plain', schema: z.string() } },
    handler: async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  });
}
