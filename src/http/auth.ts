// API keys and scopes. A presented key is compared with every configured key in constant time
// (SHA-256 digests, timingSafeEqual, no early exit), so timing reveals neither which key nor
// how much of it matched. Several keys may carry the same scope, for rotation.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { ApiKey, Scope } from '../config.js';
import { HttpProblem, problems } from './problem.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export interface Caller {
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

export function authenticate(keys: ApiKey[]): RequestHandler {
  const known = keys.map((k) => ({ digest: digest(k.secret), caller: { keyId: k.id, scopes: new Set(k.scopes) } }));
  return (req, res, next) => {
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
    res.locals.caller = found;
    next();
  };
}

/** throws the 401 or 403 problem unless the authenticated caller holds the scope */
export function requireScope(res: Response, scope: Scope): void {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new HttpProblem(problems.unauthenticated(), { 'WWW-Authenticate': 'Bearer' });
  if (!caller.scopes.has(scope)) throw new HttpProblem(problems.forbiddenScope(scope));
}

/** a fixed-window request limit per API key (after authentication), answered as a 429 problem */
export function limitPerKey(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => (res.locals.caller as Caller).keyId,
    handler: (req, res) => {
      // when this key's window ends, as the RateLimit header's `reset` says
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      res
        .status(429)
        .set('Retry-After', String(retryAfter))
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
  });
}
