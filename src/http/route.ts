// One declaration per endpoint: method, path, scope, whether it needs an actor, and the zod
// schemas of its parameters, body and responses. The same declaration mounts the Express route
// (validating every input before the handler runs) and generates the OpenAPI document
// (openapi.ts), so the two cannot disagree.
import type { ErrorRequestHandler, Request, Response, Router } from 'express';
import { finished } from 'node:stream/promises';
import { match } from 'path-to-regexp';
import { z } from 'zod';
import type { Scope } from '../config.js';
import { actorSchema, type Actor } from '../domain/actor.js';
import type { CommandContext } from '../domain/admin-kit.js';
import { InvalidRequestError, StoreTimeoutError, StoreUnavailableError, UnknownConsistencyTokenError } from '../domain/errors.js';
import type { Consistency } from '../domain/store-port.js';
import { requireScope } from './auth.js';
import { consistencyOf, TOKEN_HEADER } from './consistency.js';
import { HttpProblem, problems, problemType, type Problem } from './problem.js';

export const ACTOR_HEADER = 'RAC-Actor';
export const TOKEN_OUT_HEADER = 'RAC-Consistency-Token';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** default application/json */
  contentType?: string;
  /** true: the response carries RAC-Consistency-Token */
  token?: boolean;
}

export interface Parsed<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** set when the route needs an actor */
  ctx: CommandContext;
  consistency: Consistency;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /v1/businesses/:bn */
  path: string;
  summary: string;
  tag: string;
  /** the API-key scope; absent for public endpoints */
  scope?: Scope;
  actor?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * the media type of a body the handler reads itself, streamed and unbounded (the NDJSON
   * import); such a route is mounted before the JSON parser, which would consume the body
   */
  bodyType?: string;
  /** extra error statuses this route can answer, beyond the common ones */
  errors?: number[];
  responses: Record<number, ResponseSpec>;
  handler: (req: Request, res: Response, parsed: Parsed<P, Q, B>) => Promise<void> | void;
}

/** keeps the generic types of one route while collecting routes of different shapes */
export const route = <P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec => spec as unknown as RouteSpec;

/** `whole` names an issue about the value as a whole (an unknown query parameter: "query.<name>") */
function parseWithPrefix<T>(schema: z.ZodType<T> | undefined, value: unknown, prefix: string[], whole?: string): T {
  if (!schema) return undefined as T;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new z.ZodError(r.error.issues.map((i) => ({ ...i, path: [...prefix, ...(i.path.length === 0 && whole ? [whole] : i.path)] })));
}

/** A consistency token SpiceDB refused is named where the caller sent it: a header or the body. */
function namingTokenSource(err: unknown, fromBody: boolean): unknown {
  if (!(err instanceof UnknownConsistencyTokenError)) return err;
  const path = fromBody ? 'consistency.atLeastAsFresh' : `headers.${TOKEN_HEADER}`;
  const from = UnknownConsistencyTokenError.PATH;
  const named = new InvalidRequestError(err.message, err.errors.map((e) => (e.path === from ? { ...e, path } : e)));
  named.cause = err.cause;
  return named;
}

/** the media types the JSON parser reads (app.ts) */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/** what a route that declares no body takes: none, or an empty object (a field is unknown, a 400) */
const NO_BODY = z.object({}).strict().optional();

/** a request carries a body: chunked, or of a Content-Length over 0 */
const hasBody = (req: Request) => req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;

/**
 * Refuses a request for its body once the body is read off and dropped, so that a caller still
 * sending it reads the answer rather than a reset connection (as Express's body parser does).
 * `overLimit`, if given, is the answer instead when the body turns out longer than it may be read.
 */
export async function refuseBody(req: Request, problem: Problem, overLimit?: Problem): Promise<never> {
  let over = false;
  if (!req.readableEnded) {
    // the body is read off up to its announced length (at most 64 MiB) or, chunked (no announced
    // end), DRAIN_LIMIT bytes: past that, reading stops and the connection closes after the answer
    const announced = Number(req.get('content-length'));
    const limit = req.get('transfer-encoding') === undefined && Number.isFinite(announced) ? Math.min(announced, 64 * DRAIN_LIMIT) : DRAIN_LIMIT;
    let seen = 0;
    const overflow = new Promise<void>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > limit) {
          over = true;
          req.pause();
          req.res?.setHeader('Connection', 'close');
          resolve();
        }
      });
    });
    req.resume();
    await Promise.race([finished(req).catch(() => undefined), overflow]);
  }
  throw new HttpProblem(over && overLimit ? overLimit : problem);
}

/** what refuseBody reads off a refused chunked body before it stops reading (the body limit, app.ts) */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * The 415 for a body the route cannot read, if any: on a route that reads its own body, a
 * Content-Type other than its own; on any other route (one that takes JSON, or one that takes no
 * body but an empty JSON object), a body of another type (the parser left it unread, and it would
 * otherwise be judged as no body at all, and the operation done with it ignored). Synchronous and
 * cheap on the way of a JSON body the parser read (every check): the stream has ended.
 */
function unreadableBody(spec: RouteSpec, req: Request): Problem | undefined {
  if (spec.bodyType) {
    if (req.get('content-type') !== undefined && !req.is(spec.bodyType)) return problems.unsupportedMediaType(spec.bodyType);
  } else if (!req.readableEnded && hasBody(req) && !req.is(JSON_TYPES)) {
    return problems.unsupportedMediaType('application/json');
  }
  return undefined;
}

/**
 * Tests only: every JSON body a route sends is checked against the schema its declaration gives
 * for that status (what the OpenAPI document promises), and one that does not conform fails the
 * request with an error instead of being sent. Off in the service (a check pays nothing for it).
 */
export interface MountOptions {
  checkResponses?: boolean;
}

/** where conformingJson leaves its check for sendJson's answers, which do not go through res.json */
interface Conforming {
  conform?: (body: unknown) => void;
}

function conformingJson(spec: RouteSpec, res: Response): void {
  const conform = (body: unknown) => {
    const declared = spec.responses[res.statusCode];
    // errors are problem documents from the error handler, declared for every route (openapi.ts)
    if (!declared && res.statusCode < 400) {
      throw new Error(`${spec.method.toUpperCase()} ${spec.path}: status ${res.statusCode} is not among its declared responses`);
    }
    const r = declared?.schema?.safeParse(body);
    if (r && !r.success) {
      throw new Error(`${spec.method.toUpperCase()} ${spec.path} ${res.statusCode}: the response does not conform to its declared schema: ${r.error.message}`);
    }
  };
  const send = res.json.bind(res);
  res.json = (body: unknown) => {
    conform(body);
    return send(body);
  };
  (res.locals as Conforming).conform = conform;
}

/**
 * The declared route a path falls under, for the request log and metrics of a request refused
 * before its route ran (no key: 401, the rate limit: 429, an unreadable body: 400/413/415);
 * undefined for a path no route declares. Matched as the router matches (Express's own
 * path-to-regexp), only then: never on the way of an answered request.
 */
export function routeOf(routes: RouteSpec[]): (path: string) => string | undefined {
  const patterns = [...new Set(routes.map((r) => r.path))].map((path) => ({ path, matches: match(path, { decode: false }) }));
  return (path) => patterns.find((p) => p.matches(path) !== false)?.path;
}

/**
 * An error handler for what runs before the routes (the body limit, the JSON parser): a caller
 * whose key lacks the scope of the route it asked gets that route's 403, not a 400, 413 or 415
 * about a body it may not send at all. Matched only when such an error happened.
 */
export function scopeBeforeBodyErrors(routes: RouteSpec[]): ErrorRequestHandler {
  const patterns = [...new Set(routes.map((r) => r.path))].map((path) => ({ path, matches: match(path, { decode: false }) }));
  return (err, req, res, next) => {
    const path = req.originalUrl.split('?')[0]!;
    const pattern = patterns.find((p) => p.matches(path) !== false)?.path;
    const spec = routes.find((r) => r.path === pattern && r.method === req.method.toLowerCase());
    if (spec?.scope) {
      try {
        requireScope(res, spec.scope);
      } catch (refused) {
        return next(refused);
      }
    }
    next(err);
  };
}

/** mounts the routes on `router`; `prefix`: where the router itself is mounted (cut from each path) */
export function mount(router: Router, routes: RouteSpec[], prefix = '', options: MountOptions = {}): void {
  const methods = new Map<string, string[]>();
  const local = (path: string) => {
    if (!path.startsWith(`${prefix}/`)) throw new Error(`route ${path} is not under ${prefix}`);
    return path.slice(prefix.length);
  };
  for (const spec of routes) {
    methods.set(spec.path, [...(methods.get(spec.path) ?? []), spec.method.toUpperCase()]);
    const writes = Object.values(spec.responses).some((r) => r.token);
    router[spec.method](local(spec.path), async (req: Request, res: Response) => {
      // the request log's and metrics' route label: the full pattern, kept on the response
      // because Express restores req.baseUrl before an error reaches the app's error handler
      res.locals.route = spec.path;
      if (spec.scope) requireScope(res, spec.scope);
      if (options.checkResponses) conformingJson(spec, res);
      const unreadable = unreadableBody(spec, req);
      // a body of unannounced size past 1 MiB is too large whatever its type, as one announced so
      // is (app.ts); the import's body is bound per line only
      if (unreadable) await refuseBody(req, unreadable, spec.bodyType ? undefined : problems.tooLarge());
      const params = parseWithPrefix(spec.params, req.params, [], '(path)');
      // req.query parses the query string on each read: read only by a route that declares one
      const query = spec.query ? parseWithPrefix(spec.query, req.query, [], 'query') : undefined;
      // a route that declares no body refuses one with fields rather than ignore what was meant
      const body = spec.bodyType ? undefined : parseWithPrefix(spec.body ?? NO_BODY, req.body, []);
      let actor: Actor | undefined;
      if (spec.actor) {
        const header = req.get(ACTOR_HEADER);
        if (header === undefined) {
          throw new z.ZodError([{ code: 'custom', path: ['headers', ACTOR_HEADER], message: 'is required', input: undefined }]);
        }
        actor = parseWithPrefix(actorSchema, header, ['headers', ACTOR_HEADER]);
      }
      const bodyConsistency = (body as { consistency?: Parameters<typeof consistencyOf>[1] } | undefined)?.consistency;
      // the consistency header is the API's (scoped routes): a public page reads none, and is not
      // refused for one a proxy forwarded
      const consistency: Consistency = spec.scope ? consistencyOf(req, bodyConsistency) : { kind: 'minimizeLatency' };
      const ctx = { actor: actor as Actor, requestId: String(res.locals.requestId ?? ''), consistency };
      try {
        await spec.handler(req, res, { params, query, body, ctx, consistency });
      } catch (err) {
        // a write SpiceDB did not answer may have landed all the same: the problem says so
        if (writes && (err instanceof StoreUnavailableError || err instanceof StoreTimeoutError)) res.locals.writeOutcomeUnknown = true;
        throw consistency.kind === 'atLeastAsFresh' ? namingTokenSource(err, bodyConsistency !== undefined) : err;
      }
    });
  }
  // a known path asked with another method: 405 naming the allowed ones
  for (const [path, allowed] of methods) {
    const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])].join(', ');
    router.all(local(path), (_req: Request, res: Response) => {
      res.locals.route = path;
      throw new HttpProblem(
        { type: problemType('method-not-allowed'), title: 'Method not allowed', status: 405, detail: `Allowed: ${allow}.` },
        { Allow: allow },
      );
    });
  }
}

/** answers made in this turn of the event loop, written together at its end (sendJson) */
const unwritten: Array<{ res: Response; text: string }> = [];
/**
 * at most this many answers wait for one another: a turn that makes more writes them in bursts of
 * this size as they come (a turn that read hundreds of requests would otherwise hold its first
 * answer until it had made the last); 8 gave back most of the gain, 16 kept it (test/bench/NOTES.md)
 */
export const ANSWER_BURST = 16;

function writeAnswers(): void {
  for (const { res, text } of unwritten.splice(0)) {
    try {
      res.end(text);
    } catch (err) {
      // one answer that cannot be written (its connection went) holds back no other
      res.destroy(err as Error);
    }
  }
}

/**
 * A 200 JSON answer, as Express's res.json sends it (the same Content-Type, Content-Length and
 * bytes), with two differences that make the check path cheaper (test/bench/NOTES.md):
 *  - none of the generality a check's answer never needs (app settings for the JSON, a
 *    Content-Type to parse and rebuild, an ETag: off in this app, a 304: never for a POST);
 *  - the answers made in one turn of the event loop are written together at its end (the
 *    callbacks of all the requests that arrived together have run: setImmediate), not each as it
 *    is made. Each write to a caller that is waiting wakes it; written in a burst, the first
 *    write wakes a caller that then finds the others ready, instead of being woken again after
 *    each request. An answer waits at most for the requests that arrived with it, and for no
 *    more than ANSWER_BURST - 1 others; a lone one, for nothing.
 * In tests, the answer is first held to its declared schema (conformingJson).
 */
export function sendJson(res: Response, body: unknown): void {
  (res.locals as Conforming).conform?.(body);
  const text = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  const waiting = unwritten.push({ res, text });
  if (waiting === 1) setImmediate(writeAnswers);
  else if (waiting >= ANSWER_BURST) writeAnswers();
}

/** answers a write: status, the consistency token in header and body */
export function sendWrite(res: Response, status: number, body: object | undefined, token: string | undefined): void {
  if (token) res.set(TOKEN_OUT_HEADER, token);
  if (status === 204) {
    res.status(204).end();
    return;
  }
  res.status(status).json({ ...body, ...(token ? { consistencyToken: token } : {}) });
}
