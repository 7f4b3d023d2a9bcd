// An import cannot make a state no command makes: a second role for an employee, a second group
// for a client, two levels of one authorization (against the store, or within the file), nor a
// pending request that never lapses. And a line without its end (a file sent without newlines)
// is refused at 64 KiB, not read whole.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { exportRelationships } from '../src/domain/backup.js';
import * as facts from '../src/domain/facts.js';
import type { Relationship } from '../src/domain/store-port.js';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';
import { chunked } from './support/chunked.js';
import { openTestStore, overriding } from './support/store.js';

let t: TestApp;
let api: Api;
const BN = '864209753';
const OWNER = 'IMPOWN1';

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  await api.ok(201, `rep:${OWNER}`, 'post', '/v1/businesses', { bn: BN, name: 'Imports' });
  await api.ok(201, `rep:${OWNER}`, 'put', `/v1/businesses/${BN}/employees/IMPJAD1`, { role: 'junior_admin' });
  await api.ok(201, `rep:${OWNER}`, 'put', `/v1/businesses/${BN}/employees/IMPREP1`, { role: 'senior_rep' });
});
afterAll(async () => {
  await t.close();
});

const ndjson = (rels: Relationship[]) => rels.map((r) => JSON.stringify({ ...r, ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}) })).join('\n') + '\n';
const importing = (body: string) => request(t.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', 'application/x-ndjson').send(body);
const rolesOf = async (rep: string) => {
  const out: string[] = [];
  for await (const r of t.store.readRelationships({ resourceType: 'business', resourceId: BN, subject: { type: 'rep', id: rep } }, { kind: 'fullyConsistent' })) out.push(r.relation);
  return out.sort();
};

describe('an import holds to the one-of rules', () => {
  it('a second role for an employee the store holds: 409 naming the line, nothing after it written, the guard intact', async () => {
    // an old backup in which IMPREP1 was a senior administrator, restored over the store
    const res = await importing(ndjson([facts.role(BN, 'IMPNEW1', 'junior_rep'), facts.role(BN, 'IMPREP1', 'senior_admin'), facts.role(BN, 'IMPNEW2', 'junior_rep')]));
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('Line 2 gives a second role in the business: the store holds another; 1 were imported before it.');
    expect(await rolesOf('IMPREP1')).toEqual(['senior_rep']);
    expect(await rolesOf('IMPNEW2')).toEqual([]);
    // and the junior administrator still may change the representative
    await api.ok(200, `rep:IMPJAD1`, 'put', `/v1/businesses/${BN}/employees/IMPREP1`, { role: 'junior_rep' });
  });

  it('the same role again is a harmless re-run', async () => {
    const res = await importing(ndjson([facts.role(BN, 'IMPJAD1', 'junior_admin')]));
    expect(res.status).toBe(200);
    expect(await rolesOf('IMPJAD1')).toEqual(['junior_admin']);
  });

  it('two roles for one employee within the file: 400 naming the second line', async () => {
    const res = await importing(ndjson([facts.role(BN, 'IMPTWO1', 'junior_rep'), facts.role(BN, 'IMPTWO1', 'owner')]));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'line 2', message: 'gives a second role in the business (an earlier line gave another)' }]);
    expect(await rolesOf('IMPTWO1')).toEqual(['junior_rep']);
  });

  it('a client in a second BN group, and a second level of one authorization: refused', async () => {
    await api.ok(201, 'client:trust:T30000001', 'put', `/v1/clients/trust/T30000001/authorizations/business/${BN}`, { level: 1 });
    const g1 = (await api.ok(201, `rep:${OWNER}`, 'post', `/v1/businesses/${BN}/groups`, { name: 'One' })).body.groupId;
    const g2 = (await api.ok(201, `rep:${OWNER}`, 'post', `/v1/businesses/${BN}/groups`, { name: 'Two' })).body.groupId;
    await api.ok(201, `rep:${OWNER}`, 'put', `/v1/businesses/${BN}/groups/${g1}/clients/trust/T30000001`);
    const client = { type: 'trust' as const, key: 'T30000001' };
    const second = await importing(ndjson([facts.clientInGroup(client, BN, g2)]));
    expect(second.status).toBe(409);
    expect(second.body.detail).toContain('Line 1 gives a second BN group for the client');
    const record = { type: 'authorization', id: `trust_T30000001_${BN}` };
    const level2 = await importing(ndjson([{ resource: { type: 'trust_client', id: 'T30000001' }, relation: 'business_level_2', subject: record }]));
    expect(level2.status).toBe(409);
    expect(level2.body.detail).toContain('gives a second level of the same authorization');
  });

  it('a pending request lapsing more than 14 days from now: 400; within them, or past (an old backup), taken', async () => {
    const pending = (days: number): Relationship => ({ resource: { type: 'trust_client', id: 'T30000002' }, relation: 'pending_level_1', subject: { type: 'business', id: BN }, expiresAt: new Date(Date.now() + days * 86_400_000) });
    const far = await importing(ndjson([pending(365 * 900)]));
    expect(far.status).toBe(400);
    expect(far.body.errors).toEqual([{ path: 'line 1', message: 'is a pending request lapsing more than 14 days from now' }]);
    expect((await importing(ndjson([pending(13)]))).status).toBe(200);
    expect((await importing(ndjson([pending(-3)]))).status).toBe(200);
  });
});

describe('a line without its end', () => {
  it('a body with no newline, megabytes long: 400 naming line 1 once 64 KiB is read; the service goes on', async () => {
    const res = await chunked(t.app, 'POST', '/v1/import', { ...bearer(KEYS.ops), 'Content-Type': 'application/x-ndjson' }, ['{"pad":"', ...Array.from({ length: 64 }, () => Buffer.alloc(256 * 1024, 'x'))]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).errors).toEqual([{ path: 'line 1', message: 'is over 65536 characters' }]);
    expect(res.connection).toBe('close');
    // still answering
    expect((await request(t.app).get('/healthz')).status).toBe(200);
  });

  it('lines ended by CRLF, and a last line without its end, import as lines', async () => {
    const body = [facts.role(BN, 'IMPCRL1', 'junior_rep'), facts.role(BN, 'IMPCRL2', 'junior_rep')].map((r) => JSON.stringify(r)).join('\r\n');
    const res = await importing(body);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(2);
  });
});

// last: a second app opens its own store, which on the server backend wipes the shared one
describe('an export', () => {
  it('reads every type at one revision: a move made while it reads is wholly out of it', async () => {
    const raw = await openTestStore();
    let during: (() => Promise<void>) | undefined;
    const store = overriding(raw, {
      readRelationships: (filter, consistency) =>
        (async function* () {
          for await (const r of raw.readRelationships(filter, consistency)) yield r;
          // once the businesses are read, before the groups are
          if (filter.resourceType === 'business' && filter.resourceId === undefined && during) {
            const run = during;
            during = undefined;
            await run();
          }
        })(),
    });
    const app = await startTestApp({ store });
    try {
      const a = new Api(app.app);
      const bn = '864209761';
      await a.ok(201, 'rep:EXPOWN1', 'post', '/v1/businesses', { bn, name: 'Snapshot' });
      await a.ok(201, 'rep:EXPOWN1', 'put', `/v1/businesses/${bn}/employees/EMPLOY1`, { role: 'senior_rep' });
      const g = (await a.ok(201, 'rep:EXPOWN1', 'post', `/v1/businesses/${bn}/groups`, { name: 'Moved' })).body.groupId;
      // the owner moves EMPLOY1 from the business into the group while the export reads
      during = async () => {
        await a.ok(204, 'rep:EXPOWN1', 'delete', `/v1/businesses/${bn}/employees/EMPLOY1`);
        await a.ok(201, 'rep:EXPOWN1', 'put', `/v1/businesses/${bn}/groups/${g}/employees/EMPLOY1`, { role: 'senior_rep' });
      };
      // fully consistent: read each type at its own newest revision, the move would be half in
      const text: string[] = [];
      for await (const line of exportRelationships(store, { kind: 'fullyConsistent' })) text.push(line);
      expect(during).toBeUndefined();
      const lines = text.map((l) => JSON.parse(l) as Relationship);
      const employ = lines.filter((l) => l.subject.id === 'EMPLOY1').map((l) => `${l.resource.type}#${l.relation}`);
      // as it was before the move: the business association, not yet the group's
      expect(employ).toEqual(['business#senior_rep']);
    } finally {
      await app.close();
    }
  });
});
