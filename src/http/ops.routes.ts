// Operations endpoints: liveness, readiness (SpiceDB answers and holds our schema), and the
// schema text SpiceDB serves (scope `check`).
import { Router } from 'express';
import type { AuthzStore } from '../domain/store-port.js';
import { requireScope } from './auth.js';

export function opsRoutes(store: AuthzStore, expectedSchema: () => string | undefined): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    let ready = false;
    try {
      const served = await store.readSchema();
      ready = served.length > 0 && served === expectedSchema();
    } catch {
      ready = false; // not ready is the answer, not an error
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', backend: store.kind });
  });

  return router;
}

export function schemaRoutes(store: AuthzStore): Router {
  const router = Router();
  router.get('/v1/schema', requireScope('check'), async (_req, res) => {
    res.type('text/plain').send(await store.readSchema());
  });
  return router;
}
