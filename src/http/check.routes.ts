// POST /v1/check and /v1/check/bulk (scope `check`). A deny is 200 {allowed:false}; when the
// engine cannot answer, the error handler answers 503/504: never allowed:true.
import { Router } from 'express';
import type { CheckInput, CheckService } from '../domain/checks.js';
import { requireScope } from './auth.js';
import { checkBodySchema, checkItemSchema, bulkBodySchema } from './check.schemas.js';
import { consistencyOf } from './consistency.js';
import { problems, toProblem, zodErrors, type Problem } from './problem.js';

export function checkRoutes(checks: CheckService): Router {
  const router = Router();
  router.use('/v1/check', requireScope('check'));

  router.post('/v1/check', async (req, res) => {
    const body = checkBodySchema.parse(req.body);
    const answer = await checks.check(body.input, consistencyOf(req, body.consistency));
    res.json({ allowed: answer.allowed, checkedAt: answer.checkedAt });
  });

  router.post('/v1/check/bulk', async (req, res) => {
    const body = bulkBodySchema.parse(req.body);
    const consistency = consistencyOf(req, body.consistency);
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
      const answer = await checks.checkBulk(valid, consistency);
      checkedAt = answer.checkedAt;
      answer.results.forEach((r, j) => {
        results[positions[j]!] = 'allowed' in r ? { allowed: r.allowed } : { error: toProblem(r.error).problem };
      });
    }
    res.json({ results, checkedAt });
  });

  return router;
}
