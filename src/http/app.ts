// http/: routes, zod request schemas, API-key auth, problem+json, metrics and the OpenAPI
// document. It turns HTTP into domain calls and domain answers into HTTP; no Express type goes
// past it, and it never imports spicedb/ (the store arrives injected through createApp's deps).
import express, { type Express } from 'express';
import type { ApiKey } from '../config.js';
import type { AuditSink } from '../domain/audit.js';
import type { Pseudonymizer } from '../domain/pseudonym.js';
import type { AuthzStore } from '../domain/store-port.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { authenticate, limitPerKey } from './auth.js';
import { authorizationRoutes } from './authorization.routes.js';
import { checkRoutes } from './check.routes.js';
import { groupRoutes } from './group.routes.js';
import { lookupRoutes } from './lookup.routes.js';
import { backupRoutes } from './backup.routes.js';
import { buildOpenApi } from './openapi.js';
import { opsRoutes } from './ops.routes.js';
import { errorHandler, HttpProblem, problems } from './problem.js';
import { registrationRoutes } from './registration.routes.js';
import { requestLog } from './request-log.js';
import { docsAssets, reviewRoutes } from './review.routes.js';
import { mount, routeOf, type RouteSpec } from './route.js';
import { buildServices } from './services.js';

export interface AppDeps {
  store: AuthzStore;
  apiKeys: ApiKey[];
  pseudonymize: Pseudonymizer;
  logger: Logger;
  /** one event per write, on a stream of its own */
  audit: AuditSink;
  /** the schema text SpiceDB served back after the service wrote schema.zed (for /readyz) */
  expectedSchema: () => string | undefined;
  metrics?: Metrics;
  /** the clock (tests move it) */
  now?: () => Date;
  /** requests per minute per API key (default: no practical limit) */
  rateLimitPerMinute?: number;
  /** tests: a response that does not conform to its declared schema fails instead (route.ts) */
  checkResponses?: boolean;
}

export const BODY_LIMIT = '1mb';

/** on every response */
const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Cache-Control', 'no-store'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
];

export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? createMetrics();
  const services = buildServices(deps.store, deps.pseudonymize, deps.audit, deps.now);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // no ETag: every answer is no-store, and Express would hash each body to make one
  app.set('etag', false);
  const apiRoutes: RouteSpec[] = [
    ...checkRoutes(services, metrics),
    ...lookupRoutes(services),
    ...registrationRoutes(services),
    ...groupRoutes(services),
    ...authorizationRoutes(services),
    ...backupRoutes(deps.store),
  ];
  const review = reviewRoutes(deps.expectedSchema);
  let openapi: object | undefined;
  const ops = opsRoutes(deps.store, deps.expectedSchema, metrics, () => (openapi ??= buildOpenApi([...ops, ...review, ...apiRoutes])));
  const publicOps = [...ops.filter((r) => !r.scope), ...review];

  app.use(requestLog(deps.logger, metrics, routeOf([...ops, ...review, ...apiRoutes])));
  app.use((_req, res, next) => {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    next();
  });

  // /v1 first: the API's requests (checks above all) meet no public route on their way
  const v1 = express.Router();
  v1.use(authenticate(deps.apiKeys));
  v1.use(limitPerKey(deps.rateLimitPerMinute ?? 600_000));
  // strict: only objects and arrays; anything over 1 MiB is a 413 before it is parsed
  v1.use(express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  const mountOptions = { checkResponses: deps.checkResponses ?? false };
  mount(v1, [...ops.filter((r) => r.scope), ...apiRoutes], '/v1', mountOptions);
  app.use('/v1', v1);
  app.use(docsAssets());
  mount(app, publicOps, '', mountOptions);

  app.use((_req, _res) => {
    throw new HttpProblem(problems.notFound());
  });
  app.use(errorHandler(deps.logger));
  return app;
}
