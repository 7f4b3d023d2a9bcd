// http/: routes, zod request schemas, API-key auth, problem+json. It turns HTTP into domain
// calls and domain answers into HTTP; no Express type goes past it, and it never imports
// spicedb/ (the store arrives injected through createApp's deps).
import express, { type Express } from 'express';
import type { ApiKey } from '../config.js';
import { CheckService } from '../domain/checks.js';
import type { Pseudonymizer } from '../domain/pseudonym.js';
import type { AuthzStore } from '../domain/store-port.js';
import type { Logger } from '../logger.js';
import { authenticate } from './auth.js';
import { checkRoutes } from './check.routes.js';
import { opsRoutes, schemaRoutes } from './ops.routes.js';
import { errorHandler, HttpProblem, problems } from './problem.js';
import { requestLog } from './request-log.js';

export interface AppDeps {
  store: AuthzStore;
  apiKeys: ApiKey[];
  pseudonymize: Pseudonymizer;
  logger: Logger;
  /** the schema text SpiceDB served back after the service wrote schema.zed (for /readyz) */
  expectedSchema: () => string | undefined;
}

export const BODY_LIMIT = '1mb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(deps.logger));
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    next();
  });

  app.use(opsRoutes(deps.store, deps.expectedSchema));

  const checks = new CheckService(deps.store, deps.pseudonymize);
  const v1 = express.Router();
  v1.use(authenticate(deps.apiKeys));
  // strict: only objects and arrays; anything over 1 MiB is a 413 before it is parsed
  v1.use(express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  v1.use(checkRoutes(checks));
  v1.use(schemaRoutes(deps.store));
  app.use(v1);

  app.use((_req, _res) => {
    throw new HttpProblem(problems.notFound());
  });
  app.use(errorHandler(deps.logger));
  return app;
}
