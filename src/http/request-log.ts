// Per-request id and one log line per request. The line names the matched route pattern
// ("/v1/clients/:type/:id/reps"), never the raw URL, so ids in paths (a SIN is accepted in a
// URL) never reach a log. Level by outcome: 5xx error (but 505, the caller's protocol), 4xx warn, else info.
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { maskSinLike } from '../domain/identifiers.js';
import type { Logger } from '../logger.js';
import type { Caller } from './auth.js';
import type { Metrics } from '../metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** what the request log keeps on a response (res.locals) */
interface Logged {
  requestId: string;
  /** when the request arrived (performance.now()) */
  arrived: number;
  /** the service's logger, and the request's child of it once something logged */
  logger: Logger;
  child?: Logger;
  /** the route pattern, recorded by mount() (route.ts) */
  route?: string;
  /** the authenticated caller, recorded by admit (auth.ts) */
  caller?: Caller;
}

/** the request's logger (with its request id), or `fallback` outside a logged request */
export function logOf(res: Response, fallback?: Logger): Logger | undefined {
  const logged = res.locals as Partial<Logged>;
  if (!logged.logger) return fallback;
  // made when something logs (a handler, or the request's line at an enabled level): at 1000s of
  // requests a second, an unused child is measurable
  return (logged.child ??= logged.logger.child({ requestId: logged.requestId }));
}

/**
 * `routeOf` names the declared route a request's path falls under, for one refused before its
 * route ran (route.ts routeOf); a route that ran has recorded its own pattern.
 */
/** the status a request is logged and counted with when its caller closed it before any answer */
const CLIENT_CLOSED = 499;

export function requestLog(logger: Logger, metrics: Metrics, routeOf: (path: string) => string | undefined = () => undefined): RequestHandler {
  /** the request's line and its latency, once its response is over */
  const done = (res: Response, cut: boolean, status = res.statusCode) => {
    const req = res.req;
    const logged = res.locals as Logged;
    // every route is declared through mount() (route.ts), which records its pattern here
    const route = logged.route ?? routeOf(pathOf(req.originalUrl)) ?? '(unmatched)';
    const ms = performance.now() - logged.arrived;
    metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, ms / 1000);
    // a 505 is the caller's protocol (the export over HTTP/1.0), not a failure of the service
    const level = cut || (status >= 500 && status !== 505) ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const entry = { method: req.method, route, status, ms: Math.round(ms * 100) / 100, key: logged.caller?.keyId, ...(cut ? { cut: true } : {}) };
    logOf(res)![level](entry, 'request');
  };
  // one listener, the same function for every response (no closure per request): 'close' follows
  // 'finish' on an answered request; a streamed answer cut short (res.destroy: SpiceDB failed
  // mid-way, or the caller went) never finishes: its line says so; a caller gone before any
  // answer (it gave up waiting: the slowest requests) is logged and counted as 499, the
  // convention for a request its client closed
  function onClose(this: Response) {
    if (this.writableFinished) done(this, false);
    else if (this.headersSent) done(this, true);
    else done(this, false, CLIENT_CLOSED);
  }
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    // a caller's id is kept (for correlation) with any SIN-like run masked: it is echoed, logged,
    // audited and written to SpiceDB's transaction metadata
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? maskSinLike(incoming) : randomUUID();
    const logged = res.locals as Logged;
    logged.requestId = requestId;
    logged.logger = logger;
    logged.arrived = performance.now();
    res.setHeader('X-Request-Id', requestId);
    res.on('close', onClose);
    next();
  };
}
