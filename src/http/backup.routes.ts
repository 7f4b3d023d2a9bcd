// GET /v1/export and POST /v1/import (scope `ops`): every relationship as NDJSON, streamed both
// ways. The import reads the request body line by line (it is not bound by the 1 MiB JSON limit,
// only by 64 KiB per line, and by the HTTP server's 30 s for a whole request: a larger backup is
// imported in parts, which an import's idempotent, line-by-line writes allow).
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AuditSink } from '../domain/audit.js';
import { exportRelationships, importRelationships, MAX_LINE } from '../domain/backup.js';
import type { Caller } from './auth.js';
import { HttpProblem, problemType } from './problem.js';
import { route, sendWrite, TOKEN_OUT_HEADER, type RouteSpec } from './route.js';
import { logOf } from './request-log.js';
import { boundedLines, CallerGone, writeChunk } from './stream.js';
import type { AuthzStore } from '../domain/store-port.js';

export function backupRoutes(store: AuthzStore, audit: AuditSink): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/export',
      tag: 'operations',
      summary: 'Every relationship, as NDJSON (one per line), streamed',
      scope: 'ops',
      responses: { 200: { description: 'NDJSON of relationships', contentType: 'application/x-ndjson', schema: z.string() } },
      errors: [505],
      handler: async (req: Request, res: Response, { consistency }) => {
        // An export cut short (SpiceDB failing mid-stream) ends its chunked body without the last
        // chunk, which every HTTP/1.1 client reports as an error. HTTP/1.0 has no such framing: the
        // body ends where the connection closes, so a cut would read as a whole backup (and a
        // restore of it could, say, bring a suspended firm back active). Refused, not risked.
        if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0 && req.method !== 'HEAD') {
          throw new HttpProblem({
            type: problemType('http-version-not-supported'),
            title: 'HTTP version not supported',
            status: 505,
            detail: 'The export streams with chunked framing, so that a cut is never taken for the end: ask over HTTP/1.1 (behind nginx: proxy_http_version 1.1).',
          });
        }
        const lines = exportRelationships(store, consistency)[Symbol.asyncIterator]();
        // the first line (or the end) before the status, so an engine failure is still a 503
        const first = await lines.next();
        res.status(200).type('application/x-ndjson');
        try {
          if (!first.done) await writeChunk(res, first.value);
          for (let n = await lines.next(); !n.done; n = await lines.next()) await writeChunk(res, n.value);
          res.end();
        } catch (err) {
          if (err instanceof CallerGone) return void logOf(res)?.info('caller closed the connection mid-stream');
          logOf(res)?.error({ err, cause: (err as Error).cause }, 'export failed mid-stream');
          res.destroy(err as Error); // cut short: the caller must not take it for a whole backup
        } finally {
          // let go of the read (its SpiceDB stream is cancelled), a no-op after its end
          await lines.return?.();
        }
      },
    }),
    route({
      method: 'post',
      path: '/v1/import',
      tag: 'operations',
      summary: 'Write relationships from NDJSON (as GET /v1/export writes them), in batches; idempotent',
      scope: 'ops',
      bodyType: 'application/x-ndjson',
      // a line the store contradicts (another value of a one-of relation, say): 409
      errors: [409],
      responses: {
        200: { description: 'imported', schema: z.object({ imported: z.number().int(), consistencyToken: z.string() }), token: true },
      },
      handler: async (req: Request, res: Response, { ctx }) => {
        const lines = boundedLines(req, MAX_LINE);
        const actor = `key:${(res.locals.caller as Caller).keyId}`;
        const progress = { imported: 0, groupLinks: 0, token: '' };
        try {
          await importRelationships(store, lines, { actor, requestId: ctx.requestId, audit }, progress);
        } catch (err) {
          // refused part-way: the lines before the refused one are written, and the answer (a
          // problem) says at which revision, as every write does
          if (progress.token) res.set(TOKEN_OUT_HEADER, progress.token);
          throw err;
        }
        sendWrite(res, 200, { imported: progress.imported }, progress.token);
      },
    }),
  ];
}
