// API keys and scopes. A presented key is compared with every configured key in constant time
// (SHA-256 digests, timingSafeEqual, no early exit), so timing reveals neither which key nor
// how much of it matched. Several keys may carry the same scope, for rotation.
import { hash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { ApiKey, Scope } from '../config.js';
import { HttpProblem, problems } from './problem.js';

// one-shot (no Hash object per request: measurable at thousands of checks a second)
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

export interface Caller {
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

/** who presents the request's API key; throws the 401 problem for a missing or unknown key */
function identify(keys: ApiKey[]): (req: Request) => Caller {
  const known = keys.map((k) => ({ digest: digest(k.secret), caller: { keyId: k.id, scopes: new Set(k.scopes) } }));
  return (req) => {
    const header = req.headers.authorization;
    // the scheme's name is case-insensitive (RFC 9110 section 11.1), the key is not
    const m = typeof header === 'string' ? /^Bearer ([^\s]{1,512})$/i.exec(header) : null;
    if (!m) throw new HttpProblem(problems.unauthenticated(), { 'WWW-Authenticate': 'Bearer' });
    const presented = digest(m[1]!);
    let found: Caller | undefined;
    for (const k of known) {
      if (timingSafeEqual(k.digest, presented) && !found) found = k.caller;
    }
    if (!found) throw new HttpProblem(problems.unauthenticated(), { 'WWW-Authenticate': 'Bearer' });
    return found;
  };
}

/**
 * The way into /v1: the caller's API key (401), then its rate limit (429, limitPerKey), in one
 * middleware, as each layer Express walks costs every request (checks above all) a little.
 */
export function admit(keys: ApiKey[], perMinute: number): RequestHandler {
  const callerOf = identify(keys);
  const limited = limitPerKey(perMinute);
  return (req, res, next) => {
    res.locals.caller = callerOf(req);
    return limited(req, res, next);
  };
}

/** throws the 401 or 403 problem unless the authenticated caller holds the scope */
export function requireScope(res: Response, scope: Scope): void {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new HttpProblem(problems.unauthenticated(), { 'WWW-Authenticate': 'Bearer' });
  if (!caller.scopes.has(scope)) throw new HttpProblem(problems.forbiddenScope(scope));
}

/**
 * A fixed-window request limit per API key (after authentication), answered as a 429 problem, with
 * the IETF draft-7 `RateLimit` and `RateLimit-Policy` headers on every answer. Counted by
 * rate-limiter-flexible's in-memory limiter: one promise a request. (express-rate-limit, used
 * before, cost about 0.018 ms of CPU a request, an eighth of a cached check: test/bench/NOTES.md.)
 */
function limitPerKey(perMinute: number): RequestHandler {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  const policy = `${perMinute};w=60`;
  const resetSeconds = (r: RateLimiterRes) => Math.max(0, Math.ceil(r.msBeforeNext / 1000));
  const headers = (res: Response, r: RateLimiterRes) => {
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `limit=${perMinute}, remaining=${r.remainingPoints}, reset=${resetSeconds(r)}`);
  };
  return (_req, res, next) =>
    limiter.consume((res.locals.caller as Caller).keyId).then(
      (r) => {
        headers(res, r);
        next();
      },
      (refused: unknown) => {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        headers(res, refused);
        // when this key's window ends, as the RateLimit header's `reset` says
        res
          .status(429)
          .set('Retry-After', String(Math.max(1, resetSeconds(refused))))
          .type('application/problem+json')
          .send(
            JSON.stringify({
              type: '/problems/rate-limited',
              title: 'Too many requests',
              status: 429,
              detail: `This API key is limited to ${perMinute} requests a minute.`,
            }),
          );
      },
    );
}
