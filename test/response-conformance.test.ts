// The test-only response check (route.ts, `checkResponses`): every HTTP suite runs the app with it
// (support/app.ts), so a route that sends a body its declaration (and so the OpenAPI document)
// does not promise fails there. This proves the check itself: it refuses a non-conforming body
// and an undeclared status, lets a conforming one through, and is off unless asked for.
import { describe, expect, it } from '@jest/globals';
import express, { type Response } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { errorHandler } from '../src/http/problem.js';
import { mount, route, sendJson } from '../src/http/route.js';
import { createLogger } from '../src/logger.js';

function appSending(send: (res: Response) => void, checkResponses: boolean) {
  const app = express();
  mount(
    app,
    [
      route({
        method: 'get',
        path: '/thing',
        summary: 'a thing',
        tag: 'test',
        responses: { 200: { description: 'the thing', schema: z.object({ ok: z.boolean() }).strict() } },
        handler: (_req, res) => send(res),
      }),
    ],
    '',
    { checkResponses },
  );
  app.use(errorHandler(createLogger('silent')));
  return app;
}

describe('checkResponses', () => {
  it('lets a body that conforms to the declared schema through', async () => {
    const res = await request(appSending((r) => void r.json({ ok: true }), true)).get('/thing');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('fails a body that does not conform (a missing field, a wrong type, an extra field)', async () => {
    for (const body of [{}, { ok: 'yes' }, { ok: true, extra: 1 }]) {
      const res = await request(appSending((r) => void r.json(body), true)).get('/thing');
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain('extra'); // the caller is told nothing of it
    }
  });

  it('holds the check endpoints\' answers (sendJson, not res.json) to the same schema', async () => {
    const ok = await request(appSending((r) => sendJson(r, { ok: true }), true)).get('/thing');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true });
    const bad = await request(appSending((r) => sendJson(r, { ok: 'yes' }), true)).get('/thing');
    expect(bad.status).toBe(500);
    const unchecked = await request(appSending((r) => sendJson(r, { ok: 'yes' }), false)).get('/thing');
    expect(unchecked.status).toBe(200);
  });

  it('fails a success status the route does not declare', async () => {
    const res = await request(appSending((r) => void r.status(201).json({ ok: true }), true)).get('/thing');
    expect(res.status).toBe(500);
  });

  it('is off unless asked for (the service never pays for it)', async () => {
    const res = await request(appSending((r) => void r.json({ ok: 'yes' }), false)).get('/thing');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: 'yes' });
  });
});
