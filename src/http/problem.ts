// problem+json (RFC 9457): the one place that turns errors into HTTP answers. Domain errors,
// validation failures and Express's own body-parser errors all come through here; nothing else
// catches and re-maps. No stack, no engine message, no SIN ever leaves in a problem.
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import {
  ConflictError,
  ForbiddenActorError,
  InvalidRequestError,
  NotFoundError,
  StoreInternalError,
  StoreRejectedError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '../domain/errors.js';
import { maskNineDigits, type Logger } from '../logger.js';
import { logOf } from './request-log.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

export const problemType = (slug: string): string => `/problems/${slug}`;

export class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.title);
  }
}

export const problems = {
  validation: (errors: Array<{ path: string; message: string }>, detail = 'The request is not valid.'): Problem => ({
    type: problemType('validation'),
    title: 'Invalid request',
    status: 400,
    detail,
    errors,
  }),
  unauthenticated: (): Problem => ({
    type: problemType('unauthenticated'),
    title: 'Missing or unknown API key',
    status: 401,
    detail: 'Send Authorization: Bearer <key>.',
  }),
  forbiddenScope: (scope: string): Problem => ({
    type: problemType('forbidden-scope'),
    title: 'API key lacks the scope',
    status: 403,
    detail: `This operation needs an API key with the "${scope}" scope.`,
  }),
  notFound: (): Problem => ({ type: problemType('not-found'), title: 'Not found', status: 404 }),
  tooLarge: (): Problem => ({
    type: problemType('payload-too-large'),
    title: 'Request body too large',
    status: 413,
    detail: 'Bodies are limited to 1 MiB.',
  }),
  unsupportedMediaType: (expected: string): Problem => ({
    type: problemType('unsupported-media-type'),
    title: 'Unsupported media type',
    status: 415,
    detail: `Send the body as ${expected}.`,
  }),
  unavailable: (): Problem => ({
    type: problemType('engine-unavailable'),
    title: 'The authorization engine is unavailable',
    status: 503,
    detail: 'No decision could be made; treat this as a denial and retry later.',
  }),
  timeout: (): Problem => ({
    type: problemType('engine-timeout'),
    title: 'The authorization engine did not answer in time',
    // the contract's status for "SpiceDB cannot answer"; the type says it was the deadline
    status: 503,
    detail: 'No decision could be made; treat this as a denial and retry later.',
  }),
  forbiddenActor: (detail: string): Problem => ({
    type: problemType('forbidden-actor'),
    title: 'The actor may not do this',
    status: 403,
    detail,
  }),
  notFoundDetail: (detail: string): Problem => ({ type: problemType('not-found'), title: 'Not found', status: 404, detail }),
  conflict: (detail: string): Problem => ({ type: problemType('conflict'), title: 'Conflict', status: 409, detail }),
  internal: (): Problem => ({ type: problemType('internal'), title: 'Internal error', status: 500 }),
};

/** unknown fields named one by one, at most this many (a body may hold thousands) */
const MAX_UNKNOWN_NAMED = 20;
/**
 * a caller's field name, as an error names it: only a plain name (letters, digits, underscore, at
 * most 64) with fewer than five digits in all; anything else, which could hold a SIN however
 * separated or cut (`sin_046_454_286`), is "(a field)"
 */
const fieldName = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) && key.replace(/[^0-9]/g, '').length < 5 ? key : '(a field)');

/** zod issues as problem `errors`, with paths like "client.id"; messages carry no input values */
export function zodErrors(error: z.ZodError, prefix: Array<string | number> = []): Array<{ path: string; message: string }> {
  return error.issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      // each unknown field by its name, when plain (a name could be anything a caller sent, even a SIN)
      const named = issue.keys.slice(0, MAX_UNKNOWN_NAMED).map((k) => ({ path: [...at.map(maskNineDigits), fieldName(k)].join('.'), message: 'is not a field here' }));
      const more = issue.keys.length - named.length;
      return more > 0 ? [...named, { path: at.join('.') || '(body)', message: `${more} more fields that are not fields here` }] : named;
    }
    return [{ path: maskNineDigits(at.join('.') || '(body)'), message: maskNineDigits(issue.message) }];
  });
}

/** The problem for a domain or transport error; also whether it is a server-side failure. */
export function toProblem(err: unknown): { problem: Problem; headers: Record<string, string> } {
  if (err instanceof HttpProblem) return { problem: err.problem, headers: err.headers };
  if (err instanceof z.ZodError) return { problem: problems.validation(zodErrors(err)), headers: {} };
  if (err instanceof InvalidRequestError) return { problem: problems.validation(err.errors, err.message), headers: {} };
  if (err instanceof StoreUnavailableError) return { problem: problems.unavailable(), headers: { 'Retry-After': '1' } };
  if (err instanceof StoreTimeoutError) return { problem: problems.timeout(), headers: { 'Retry-After': '1' } };
  if (err instanceof ForbiddenActorError) return { problem: problems.forbiddenActor(err.message), headers: {} };
  if (err instanceof NotFoundError) return { problem: problems.notFoundDetail(err.message), headers: {} };
  if (err instanceof ConflictError) return { problem: problems.conflict(err.message), headers: {} };
  if (err instanceof StoreRejectedError || err instanceof StoreInternalError) return { problem: problems.internal(), headers: {} };
  // Express body-parser errors carry a status and a type
  const e = err as { status?: number; type?: string };
  if (e && e.type === 'entity.too.large') return { problem: problems.tooLarge(), headers: {} };
  // a charset or content encoding the parser cannot read
  if (e && e.status === 415) return { problem: { ...problems.unsupportedMediaType('application/json'), detail: 'Send the body as application/json, in UTF-8, not compressed.' }, headers: {} };
  if (e && e.type === 'entity.parse.failed') {
    return { problem: problems.validation([{ path: '(body)', message: 'is not valid JSON' }]), headers: {} };
  }
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return {
      problem: { type: problemType('bad-request'), title: 'Bad request', status: e.status, detail: 'The request could not be read.' },
      headers: {},
    };
  }
  return { problem: problems.internal(), headers: {} };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  res.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { problem, headers } = toProblem(err);
    const log = logOf(res, logger)!;
    // a 505 is the caller's protocol, not a failure of the service
    if (problem.status >= 500 && problem.status !== 505) log.error({ err, cause: (err as Error)?.cause }, 'request failed');
    if (res.headersSent) return;
    if (problem.status === 503 && res.locals.writeOutcomeUnknown) {
      problem.detail = 'SpiceDB did not confirm the write: it may or may not have been applied. Read the current state before retrying.';
    }
    sendProblem(res, problem, headers);
  };
}
