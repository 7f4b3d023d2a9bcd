// http/: routes, zod request schemas, API-key auth, problem+json, metrics and the OpenAPI
// document. It turns HTTP into domain calls and domain answers into HTTP; no Express type goes
// past it, and it never imports spicedb/ (the store arrives injected through createApp's deps).
import express, { type Express, type RequestHandler } from 'express';
import type { ApiKey } from '../config.js';
import type { AuditSink } from '../domain/audit.js';
import type { Pseudonymizer } from '../domain/pseudonym.js';
import type { AuthzStore } from '../domain/store-port.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { admit } from './auth.js';
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
import { docsAssets, reviewRoutes, type ScratchStore } from './review.routes.js';
import { JSON_TYPES, mount, refuseBody, routeOf, scopeBeforeBodyErrors, type RouteSpec } from './route.js';
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
  /** where GET /matrix computes the access matrix (absent: /matrix answers 503) */
  scratchStore?: ScratchStore;
  metrics?: Metrics;
  /** the clock (tests move it) */
  now?: () => Date;
  /** requests per minute per API key (default: no practical limit) */
  rateLimitPerMinute?: number;
  /** false: /metrics is served on a listener of its own (RAC_METRICS_PORT), not this one */
  metricsOnApi?: boolean;
  /** true once the process is shutting down: /readyz answers 503 (shutdown.ts) */
  draining?: () => boolean;
  /** tests: a response that does not conform to its declared schema fails instead (route.ts) */
  checkResponses?: boolean;
}

/** 1 MiB, for a body of any type (the NDJSON import aside) */
export const BODY_LIMIT = 1024 * 1024;

/** on every response */
const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Cache-Control', 'no-store'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
];

/**
 * The JSON body parser (strict: only objects and arrays), after a check of the body's announced
 * size: a body over the limit by its Content-Length is a 413 before it is read, whatever its type
 * (the parser reads, and limits, only JSON, and a route would otherwise see no body at all). One
 * middleware, as each layer Express walks costs every request (checks above all) a little.
 */
function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: true, type: JSON_TYPES });
  return (req, res, next) => {
    // (Express 5 takes a rejected promise as the error)
    if (Number(req.headers['content-length']) > limit) return refuseBody(req, problems.tooLarge());
    return parse(req, res, next);
  };
}

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
    ...backupRoutes(deps.store, deps.audit),
  ];
  const review = reviewRoutes(deps.expectedSchema, deps.scratchStore);
  let openapi: object | undefined;
  const ops = opsRoutes(deps.store, deps.expectedSchema, deps.draining ?? (() => false), deps.metricsOnApi === false ? undefined : metrics, () => (openapi ??= buildOpenApi([...ops, ...review, ...apiRoutes])));
  const publicOps = [...ops.filter((r) => !r.scope), ...review];

  // the security headers and the request log in one middleware: each layer Express walks costs
  // every request (checks above all) a little
  const logged = requestLog(deps.logger, metrics, routeOf([...ops, ...review, ...apiRoutes]));
  app.use((req, res, next) => {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    return logged(req, res, next);
  });

  // /v1 first: the API's requests (checks above all) meet no public route on their way
  const v1 = express.Router();
  v1.use(admit(deps.apiKeys, deps.rateLimitPerMinute ?? 600_000));
  const mountOptions = { checkResponses: deps.checkResponses ?? false };
  const v1Routes = [...ops.filter((r) => r.scope), ...apiRoutes];
  // a route that reads its own body (the NDJSON import, unbounded) comes before the JSON parser,
  // which would consume the body, and before the limit; with every route of its path, so that
  // the path's 405 (mount) knows all its methods
  const ownBodyPaths = new Set(v1Routes.filter((r) => r.bodyType).map((r) => r.path));
  mount(v1, v1Routes.filter((r) => ownBodyPaths.has(r.path)), '/v1', mountOptions);
  v1.use(jsonBody(BODY_LIMIT));
  v1.use(scopeBeforeBodyErrors(v1Routes));
  mount(v1, v1Routes.filter((r) => !ownBodyPaths.has(r.path)), '/v1', mountOptions);
  app.use('/v1', v1);
  app.use(docsAssets());
  mount(app, publicOps, '', mountOptions);

  app.use((_req, _res) => {
    throw new HttpProblem(problems.notFound());
  });
  app.use(errorHandler(deps.logger));
  return app;
}
