// Lookups (scope `check`): the clients a rep reaches, streamed page by page, and the reps who
// reach a client.
import { z } from 'zod';
import { InvalidRequestError } from '../domain/errors.js';
import { clientPermissionApplies, type ClientPermission } from '../domain/permissions.js';
import { repIdSchema } from '../domain/identifiers.js';
import { clientParams, clientRepsQuery, clientsPageResponse, repClientsQuery, repsResponse } from './api.schemas.js';
import { route, type RouteSpec } from './route.js';
import { logOf } from './request-log.js';
import { CallerGone, writeChunk } from './stream.js';
import type { Services } from './services.js';

export function lookupRoutes(s: Services): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/reps/:repId/clients',
      tag: 'lookups',
      summary: 'The clients a representative reaches with a permission, a page at a time (individuals by ref)',
      scope: 'check',
      params: z.object({ repId: repIdSchema }),
      query: repClientsQuery,
      responses: {
        200: {
          description:
            'a page of clients. A client reached by two paths (an owner reaches each as owner and business-wide) is listed once a page but may appear on a later page again: deduplicate if you need a set. A cursor resumes at its first page’s revision: later pages take its consistency when they send none',
          schema: clientsPageResponse,
        },
      },
      handler: async (req, res, { params, query, consistency }) => {
        // Stream: the status goes once the first result (or the end) is known, so a SpiceDB
        // failure before any result is still a proper 503; results are written as they arrive.
        let started = false;
        const start = async () => {
          if (started) return;
          started = true;
          res.status(200).type('application/json');
          await writeChunk(res, '{"clients":[');
        };
        let first = true;
        try {
          const next = await s.lookups.clientsOfRep(
            { repId: params.repId, permission: query.permission, limit: query.limit, ...(query.type ? { type: query.type } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) },
            consistency,
            async (c) => {
              await start();
              await writeChunk(res, `${first ? '' : ','}${JSON.stringify(c)}`);
              first = false;
            },
          );
          await start();
          res.end(`],"nextCursor":${JSON.stringify(next)}}`);
        } catch (err) {
          if (!started) throw err;
          // the caller went away: the lookup has stopped (its stream cancelled), nothing failed
          if (err instanceof CallerGone) return void logOf(res)?.info('caller closed the connection mid-stream');
          // headers are out: cut the response so the caller cannot mistake it for a whole page
          logOf(res)?.error({ err, cause: (err as Error).cause }, 'lookup failed mid-stream');
          res.destroy(err as Error);
        }
      },
    }),
    route({
      method: 'get',
      path: '/v1/clients/:type/:id/reps',
      tag: 'lookups',
      summary: 'The representatives who reach a client with a permission',
      scope: 'check',
      params: clientParams,
      query: clientRepsQuery,
      responses: { 200: { description: 'RepIDs, sorted', schema: repsResponse } },
      handler: async (_req, res, { params, query, consistency }) => {
        if (!clientPermissionApplies(query.permission as ClientPermission, params.client.type)) {
          throw new InvalidRequestError('The permission does not apply to this client type.', [
            { path: 'permission', message: `does not apply to ${params.client.type} clients` },
          ]);
        }
        const reps = await s.lookups.repsOfClient(params.client, query.permission, consistency);
        res.json({ reps });
      },
    }),
  ];
}
