// The OpenAPI 3.1 document, generated (zod-openapi) from the same route declarations that mount
// the endpoints: every path, its parameters, body, responses, errors and security.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { DEMO } from '../demo.js';
import { problemSchema } from './api.schemas.js';
import { TOKEN_HEADER } from './consistency.js';
import { ACTOR_HEADER, TOKEN_OUT_HEADER, type RouteSpec } from './route.js';

const COMMON_ERRORS: Record<number, string> = {
  400: 'invalid request: errors[] names each field',
  401: 'missing or unknown API key',
  403: 'the key lacks the scope, or (type …/forbidden-actor) the actor may not do this',
  404: 'not found',
  405: 'method not allowed on this path',
  409: 'the current state does not allow it, or it changed while the command ran (a precondition of its write failed): read it again',
  408: 'the request was not received whole in time (answered by the HTTP server, with no request id; an import cut so has written the lines read before it, with no token to say so: send a large one in parts)',
  413: 'body over 1 MiB',
  415: 'the body is not of the media type the operation reads (application/json; the import: application/x-ndjson; an operation that takes no body: none, or an empty JSON object), or not in UTF-8',
  429: 'this API key is over its request budget (Retry-After)',
  431: 'request line or headers too large (refused by the HTTP server before any handler)',
  500: 'internal error',
  505: 'asked over HTTP/1.0: the export needs HTTP/1.1 (chunked framing, so that a cut is never taken for the end)',
  503: 'SpiceDB could not answer (unreachable, its datastore down: type engine-unavailable; or not in time: engine-timeout): no decision was made (Retry-After)',
};

/**
 * Examples from the demo firm (`npm run demo`), so that trying an operation from the document
 * (GET /docs) reaches a firm that exists: path parameters by name, the actor, check bodies.
 */
const PARAM_EXAMPLES: Record<string, string> = {
  bn: DEMO.bn,
  repId: DEMO.seniorRep,
  groupId: DEMO.group,
  type: 'individual',
  id: DEMO.individualSin,
  privilege: 'individual_clients',
};
const ACTOR_EXAMPLE = `rep:${DEMO.owner}`;
const CHECK_EXAMPLE = { rep: DEMO.seniorRep, permission: 'view', client: { type: 'individual', id: DEMO.individualSin } };
const BODY_EXAMPLES: Record<string, unknown> = {
  '/v1/check': CHECK_EXAMPLE,
  '/v1/explain': { rep: DEMO.juniorRep, permission: 'view', client: { type: 'individual', id: DEMO.individualSin } },
  '/v1/check/bulk': {
    checks: [
      CHECK_EXAMPLE,
      { rep: DEMO.juniorRep, permission: 'view', client: { type: 'business', id: DEMO.businessClient } },
      { rep: DEMO.seniorAdmin, business: DEMO.bn, permission: 'assign_privileges' },
    ],
  },
};

/** the path parameters' object, each named one with its example */
const withExamples = (params: z.ZodObject): z.ZodObject =>
  z.object(Object.fromEntries(Object.entries(params.shape).map(([name, schema]) => [name, name in PARAM_EXAMPLES ? (schema as z.ZodType).meta({ example: PARAM_EXAMPLES[name] }) : schema])));

/** the object schema behind a (possibly transformed) zod schema */
const objectOf = (schema: z.ZodType | undefined): z.ZodObject | undefined => {
  let s: unknown = schema;
  while (s instanceof z.ZodPipe) s = s.in;
  return s instanceof z.ZodObject ? s : undefined;
};

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** on every response the service sends (request-log.ts) */
const REQUEST_ID = { 'X-Request-Id': z.string().meta({ description: "the caller's X-Request-Id (any SIN-like run masked), or one the service made" }) };
/** the headers an error status carries besides the request id */
const ERROR_HEADERS: Record<number, Record<string, z.ZodType>> = {
  401: { 'WWW-Authenticate': z.string().meta({ description: 'Bearer' }) },
  405: { Allow: z.string().meta({ description: 'the methods this path takes' }) },
  429: {
    'Retry-After': z.string().meta({ description: "seconds until this key's window ends" }),
    RateLimit: z.string().meta({ description: 'limit, remaining and reset (IETF draft 7)' }),
    'RateLimit-Policy': z.string().meta({ description: "the key's budget and window" }),
  },
  503: { 'Retry-After': z.string().optional().meta({ description: 'seconds to wait before retrying (when SpiceDB could not answer)' }) },
};

function operation(spec: RouteSpec): ZodOpenApiOperationObject {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = {
      description: r.description,
      // every write answers one, even when it changed nothing (e.g. deleting what does not exist)
      headers: z.object({ ...REQUEST_ID, ...(r.token ? { [TOKEN_OUT_HEADER]: z.string().meta({ description: 'ZedToken of the write' }) } : {}) }),
      ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
    };
  }
  // every declared path answers another method with 405, and a body it cannot read with 415
  // and Node's HTTP server answers a request not received whole in time (408) or with headers too large (431)
  const errors = new Set<number>([405, 408, 415, 431, 500, ...(spec.errors ?? [])]);
  if (spec.params || spec.query || spec.body || spec.actor) errors.add(400);
  // scoped routes also read the consistency header (400), a key's budget (429) and SpiceDB
  if (spec.scope) [400, 401, 403, 429, 503].forEach((e) => errors.add(e));
  // any body over 1 MiB, whatever its type, but the import's (streamed, unbounded)
  if (!spec.bodyType) errors.add(413);
  // an admin write asserts what it read (the actor's standing among it): it may meet a change
  if (spec.actor && Object.values(spec.responses).some((r) => r.token)) errors.add(409);
  for (const e of [...errors].sort()) {
    responses[String(e)] = {
      description: COMMON_ERRORS[e] ?? 'error',
      // a 408 or 431 comes from Node's HTTP server, before any handler: no request id
      headers: z.object({
        ...(e === 408 || e === 431 ? {} : REQUEST_ID),
        ...(ERROR_HEADERS[e] ?? {}),
        // a route that reads its own body (the import) writes as it reads: refused part-way, it wrote
        ...(spec.bodyType && (e === 400 || e === 409)
          ? { [TOKEN_OUT_HEADER]: z.string().optional().meta({ description: 'refused part-way: the ZedToken of what was written before the refused line' }) }
          : {}),
      }),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  const header: Record<string, z.ZodType> = {};
  if (spec.actor) header[ACTOR_HEADER] = z.string().meta({ description: 'rep:<RepID> or client:<type>:<id>', example: ACTOR_EXAMPLE });
  if (spec.scope) header[TOKEN_HEADER] = z.string().optional().meta({ description: 'a consistency token: answer at least as fresh as it' });
  const path = objectOf(spec.params);
  const query = objectOf(spec.query);
  const body = spec.body;
  return {
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.scope ? { security: [{ bearerAuth: [] }], 'x-scope': spec.scope } : { security: [] }),
    requestParams: {
      ...(path ? { path: withExamples(path) } : {}),
      ...(query ? { query } : {}),
      ...(Object.keys(header).length ? { header: z.object(header) } : {}),
    },
    ...(body
      ? {
          requestBody: {
            required: !(body instanceof z.ZodOptional),
            content: { 'application/json': { schema: body, ...(spec.path in BODY_EXAMPLES ? { example: BODY_EXAMPLES[spec.path] } : {}) } },
          },
        }
      : spec.bodyType
        ? { requestBody: { required: true, content: { [spec.bodyType]: { schema: z.string() } } } }
        : {}),
    responses: responses as ZodOpenApiOperationObject['responses'],
  };
}

export function buildOpenApi(routes: RouteSpec[]): object {
  const paths: ZodOpenApiPathsObject = {};
  for (const spec of routes) {
    const p = toOpenApiPath(spec.path);
    paths[p] = { ...(paths[p] ?? {}), [spec.method]: operation(spec) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'rac-authz',
      version: '1',
      description: 'Authorization for the CRA Represent a Client rules, on SpiceDB. Permission names are those of schema.zed.',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths,
  });
}
