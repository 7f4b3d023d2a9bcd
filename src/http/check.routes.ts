// POST /v1/check and /v1/check/bulk (scope `check`). A deny is 200 {allowed:false}; when the
// engine cannot answer, the error handler answers 503: never allowed:true.
import { z } from 'zod';
import type { CheckInput } from '../domain/checks.js';
import { bulkBodySchema, checkBodySchema, checkItemSchema } from './check.schemas.js';
import { problems, toProblem, zodErrors, type Problem } from './problem.js';
import { problemSchema } from './api.schemas.js';
import { route, sendJson, type RouteSpec } from './route.js';
import type { Services } from './services.js';
import type { Metrics } from '../metrics.js';

const checkResponse = z.object({ allowed: z.boolean(), checkedAt: z.string() });
const bulkResponse = z.object({
  results: z.array(z.union([z.object({ allowed: z.boolean() }), z.object({ error: problemSchema })])),
  checkedAt: z.string().meta({
    description: 'the revision SpiceDB answered at (a token for RAC-At-Least-As-Fresh); empty when no item was valid, as nothing was asked',
  }),
});

export function checkRoutes(s: Services, metrics: Metrics): RouteSpec[] {
  const outcome = (allowed: boolean) => metrics.checkOutcomes.inc({ outcome: allowed ? 'allowed' : 'denied' });
  return [
    route({
      method: 'post',
      path: '/v1/check',
      tag: 'checks',
      summary: 'Can a representative do something for a business or a client?',
      scope: 'check',
      body: checkBodySchema,
      responses: { 200: { description: 'the answer (a deny is an answer)', schema: checkResponse } },
      handler: async (_req, res, { body, consistency }) => {
        let answer;
        try {
          answer = await s.checks.check(body.input, consistency);
        } catch (err) {
          metrics.checkOutcomes.inc({ outcome: 'error' });
          throw err;
        }
        outcome(answer.allowed);
        sendJson(res, { allowed: answer.allowed, checkedAt: answer.checkedAt });
      },
    }),
    route({
      method: 'post',
      path: '/v1/explain',
      tag: 'checks',
      summary: 'The check, explained: the path that grants it, or what is missing, from SpiceDB’s own trace',
      scope: 'check',
      body: checkBodySchema,
      responses: {
        200: { description: 'the answer and its reasons', schema: z.object({ allowed: z.boolean(), because: z.array(z.string()), checkedAt: z.string() }) },
      },
      handler: async (_req, res, { body, consistency }) => {
        res.json(await s.explain.explain(body.input, consistency));
      },
    }),
    route({
      method: 'post',
      path: '/v1/check/bulk',
      tag: 'checks',
      summary: '1 to 1000 checks in one request, answered in order',
      scope: 'check',
      body: bulkBodySchema,
      responses: { 200: { description: 'one result per check, in request order', schema: bulkResponse } },
      handler: async (_req, res, { body, consistency }) => {
        // validate each item on its own: a bad item answers its own problem, the rest are checked
        const results: Array<{ allowed: boolean } | { error: Problem }> = new Array(body.checks.length);
        const valid: CheckInput[] = [];
        const positions: number[] = [];
        body.checks.forEach((item, i) => {
          const parsed = checkItemSchema.safeParse(item);
          if (parsed.success) {
            valid.push(parsed.data);
            positions.push(i);
          } else {
            results[i] = { error: problems.validation(zodErrors(parsed.error, ['checks', i])) };
          }
        });
        let checkedAt = '';
        if (valid.length > 0) {
          let answer;
          try {
            answer = await s.checks.checkBulk(valid, consistency);
          } catch (err) {
            metrics.checkOutcomes.inc({ outcome: 'error' }, valid.length);
            throw err;
          }
          checkedAt = answer.checkedAt;
          answer.results.forEach((r, j) => {
            if ('allowed' in r) outcome(r.allowed);
            else metrics.checkOutcomes.inc({ outcome: 'error' });
            results[positions[j]!] = 'allowed' in r ? { allowed: r.allowed } : { error: toProblem(r.error).problem };
          });
        }
        sendJson(res, { results, checkedAt });
      },
    }),
  ];
}
