// Per-request id and one log line per request. The line names the matched route pattern
// ("/v1/clients/:type/:id/reps"), never the raw URL, so ids in paths (a SIN is accepted in a
// URL) never reach a log. Level by outcome: 5xx error, 4xx warn, else info.
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { maskSinLike } from '../domain/identifiers.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** the request's logger (with its request id), or `fallback` outside a logged request */
export function logOf(res: Response, fallback?: Logger): Logger | undefined {
  const log = res.locals.log as (() => Logger) | undefined;
  return log ? log() : fallback;
}

/**
 * `routeOf` names the declared route a request's path falls under, for one refused before its
 * route ran (route.ts routeOf); a route that ran has recorded its own pattern.
 */
export function requestLog(logger: Logger, metrics: Metrics, routeOf: (path: string) => string | undefined = () => undefined): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('X-Request-Id');
    // a caller's id is kept (for correlation) with any SIN-like run masked: it is echoed, logged,
    // audited and written to SpiceDB's transaction metadata
    const id = incoming && REQUEST_ID.test(incoming) ? maskSinLike(incoming) : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    // the request's child logger is made when something logs (a handler, or the line below at an
    // enabled level): at 1000s of requests a second, an unused child is measurable
    let log: Logger | undefined;
    const requestLogger = () => (log ??= logger.child({ requestId: id }));
    res.locals.log = requestLogger;
    const start = performance.now();
    const done = (cut: boolean) => {
      // every route is declared through mount() (route.ts), which records its pattern here
      const route = (res.locals.route as string | undefined) ?? routeOf(pathOf(req.originalUrl)) ?? '(unmatched)';
      const ms = performance.now() - start;
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, ms / 1000);
      const level = cut || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const entry = { method: req.method, route, status: res.statusCode, ms: Math.round(ms * 100) / 100, key: res.locals.caller?.keyId, ...(cut ? { cut: true } : {}) };
      requestLogger()[level](entry, 'request');
    };
    // one listener: 'close' follows 'finish' on an answered request; a streamed answer cut short
    // (res.destroy: SpiceDB failed mid-way, or the caller went) never finishes: its line says so
    res.on('close', () => {
      if (res.writableFinished) done(false);
      else if (res.headersSent) done(true);
    });
    next();
  };
}
