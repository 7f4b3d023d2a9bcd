// POST /v1/explain: the path that grants a check, or what is missing, in the firm's words, built
// from SpiceDB's own trace.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { AuthzStore, TraceNode } from '../src/domain/store-port.js';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

const BN = '444555666';
let t: TestApp;
let api: Api;
let gid: string;
beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  const o = 'rep:OWNEREX';
  await api.ok(201, o, 'post', '/v1/businesses', { bn: BN, name: 'Explained' });
  await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/SREP001`, { role: 'senior_rep' });
  await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/JREP001`, { role: 'junior_rep' });
  await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/GONE001`, { role: 'senior_rep' });
  await api.ok(200, o, 'post', `/v1/businesses/${BN}/employees/GONE001/disassociate`);
  await api.ok(201, 'client:individual:046454286', 'put', `/v1/clients/individual/046454286/authorizations/business/${BN}`, { level: 2 });
  await api.ok(201, 'client:trust:T10000001', 'put', `/v1/clients/trust/T10000001/authorizations/business/${BN}`, { level: 1, expiresAt: '2099-01-01T00:00:00Z' });
  await api.ok(201, 'client:business:900000001', 'put', `/v1/clients/business/900000001/authorizations/business/${BN}`, { level: 2 });
  gid = (await api.ok(201, o, 'post', `/v1/businesses/${BN}/groups`, { name: 'Vault' })).body.groupId;
  await api.ok(201, o, 'put', `/v1/businesses/${BN}/groups/${gid}/clients/business/900000001`);
});
afterAll(async () => {
  await t.close();
});

const explain = async (body: object) => {
  const res = await request(t.app).post('/v1/explain').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', api.token!).send(body);
  expect(res.status).toBe(200);
  return res.body as { allowed: boolean; because: string[] };
};

describe('allowed: the granting path', () => {
  it('a senior rep updating an individual client', async () => {
    const e = await explain({ rep: 'SREP001', permission: 'update', client: { type: 'individual', id: '046454286' } });
    expect(e.allowed).toBe(true);
    expect(e.because).toEqual(
      expect.arrayContaining([
        'SREP001 is senior_rep of business 444555666',
        'the client authorized business 444555666 at level 2, with no expiry',
        "SREP001's association with business 444555666 is active",
      ]),
    );
    // the registration's facts, unless SpiceDB answered that part from its cache (a server, or the
    // own engine: its dispatch cache is on), which the explanation then says
    const operating = ['business 444555666 is registered', 'the registration of business 444555666 is not suspended'];
    const fromCache = e.because.some((b) => /^SpiceDB took \w+ of business 444555666 from its cache/.test(b));
    expect(fromCache || operating.every((o) => e.because.includes(o))).toBe(true);
    expect(JSON.stringify(e)).not.toContain('046454286');
  });

  it('a business function', async () => {
    const e = await explain({ rep: 'OWNEREX', permission: 'manage_registration', business: BN });
    expect(e).toMatchObject({ allowed: true });
    expect(e.because).toContain('OWNEREX is owner of business 444555666');
  });
});

describe('denied: what is missing', () => {
  it('the authorization is level 1; update needs level 2', async () => {
    const e = await explain({ rep: 'SREP001', permission: 'update', client: { type: 'trust', id: 'T10000001' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain('the authorization of business 444555666 is level 1; update needs level 2');
  });

  it('the client is fenced into a group the rep is not in', async () => {
    const e = await explain({ rep: 'SREP001', permission: 'view', client: { type: 'business', id: '900000001' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain(`the client is in BN group ${gid} of business 444555666`);
  });

  it('a missing privilege', async () => {
    const e = await explain({ rep: 'SREP001', permission: 'list', client: { type: 'individual', id: '046454286' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain('SREP001 does not hold the individual_clients privilege in business 444555666');
  });

  it('a disassociated employee', async () => {
    const e = await explain({ rep: 'GONE001', permission: 'view', client: { type: 'individual', id: '046454286' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain('GONE001 is disassociated from business 444555666');
  });

  it('a role that does not grant the function', async () => {
    const e = await explain({ rep: 'JREP001', permission: 'manage_groups', business: BN });
    expect(e.allowed).toBe(false);
    // SpiceDB consulted the roles that grant it (owner, senior_admin) and found neither
    expect(e.because).toContain('JREP001 holds no role in business 444555666 that grants manage_groups');
  });

  it('no authorization at all', async () => {
    const e = await explain({ rep: 'SREP001', permission: 'view', client: { type: 'trust', id: 'T99999999' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain('the client has no authorization in force (none given, or expired) of SREP001 directly or of a business where SREP001 holds a role');
  });

  it("names nothing of the client's authorizations that does not concern the rep (other firms, other RepIDs, levels, expiries, groups)", async () => {
    // the client authorized this firm, another firm (level 2, with an expiry; fenced into a group
    // there) and a RepID directly; NOBODY1 is in neither firm
    const other = '777888999';
    await api.ok(201, 'rep:OTHOWN1', 'post', '/v1/businesses', { bn: other, name: 'Elsewhere' });
    await api.ok(201, 'client:business:900000001', 'put', `/v1/clients/business/900000001/authorizations/business/${other}`, { level: 2, expiresAt: '2031-05-05T00:00:00Z' });
    await api.ok(201, 'client:business:900000001', 'put', '/v1/clients/business/900000001/authorizations/rep/PRIVATE', { level: 1 });
    const g = (await api.ok(201, 'rep:OTHOWN1', 'post', `/v1/businesses/${other}/groups`, { name: 'Hidden' })).body.groupId;
    await api.ok(201, 'rep:OTHOWN1', 'put', `/v1/businesses/${other}/groups/${g}/clients/business/900000001`);
    for (const [rep, permission] of [
      ['NOBODY1', 'view'],
      ['NOBODY1', 'update'],
      ['SREP001', 'update'], // in this firm only (where the client is fenced into a group it is not in): the other firm's and PRIVATE's grants are not its business
    ] as const) {
      const e = await explain({ rep, permission, client: { type: 'business', id: '900000001' } });
      const text = JSON.stringify(e.because);
      expect([rep, permission, e.allowed]).toEqual([rep, permission, false]);
      for (const secret of [other, 'PRIVATE', '2031-05-05', g]) expect([rep, permission, text]).toEqual([rep, permission, expect.not.stringContaining(secret)]);
      if (rep === 'NOBODY1') {
        expect(text).not.toContain(BN);
        expect(e.because).toEqual(['the client has no authorization in force of NOBODY1 directly, and NOBODY1 holds no role in a business the client authorized']);
      }
    }
    // the client itself still sees them all
    const own = await api.ok(200, 'client:business:900000001', 'get', '/v1/clients/business/900000001/authorizations');
    expect(own.body.authorizations).toHaveLength(3);
  });

  it('a suspended registration', async () => {
    await api.ok(200, 'rep:OWNEREX', 'post', `/v1/businesses/${BN}/suspend`);
    const e = await explain({ rep: 'SREP001', permission: 'view', client: { type: 'individual', id: '046454286' } });
    expect(e.allowed).toBe(false);
    expect(e.because).toContain('the registration of business 444555666 is suspended');
    await api.ok(200, 'rep:OWNEREX', 'post', `/v1/businesses/${BN}/unsuspend`);
  });

  it('validates like /v1/check', async () => {
    const res = await request(t.app).post('/v1/explain').set(bearer(KEYS.check)).send({ rep: 'x', permission: 'view' });
    expect(res.status).toBe(400);
  });
});

describe('a trace SpiceDB answered partly from its cache', () => {
  it('says which part came from the cache instead of leaving its facts unsaid', async () => {
    const { ExplainService } = await import('../src/domain/explain.js');
    const { CheckService } = await import('../src/domain/checks.js');
    const node = (type: string, id: string, name: string, children: TraceNode[] = [], cached = false): TraceNode => ({
      resource: { type, ids: [id] },
      name,
      kind: 'permission',
      result: 'has',
      children,
      ...(cached ? { cached: true } : {}),
    });
    const trace = node('business', BN, 'manage_registration', [node('business', BN, 'in_force_owners', [node('business', BN, 'owner')]), node('business', BN, 'is_operating', [], true)]);
    const store = {
      checkWithTrace: async () => ({ allowed: true, checkedAt: 't', trace }),
      readRelationships: async function* () {},
    } as unknown as AuthzStore;
    const service = new ExplainService(store, new CheckService(store, (s: string) => s));
    const e = await service.explain({ rep: 'OWNEREX', permission: 'manage_registration', business: BN }, { kind: 'minimizeLatency' });
    expect(e.because).toEqual(['OWNEREX is owner of business 444555666', 'SpiceDB took is_operating of business 444555666 from its cache (the facts under it are not listed)']);
  });
});

describe('the reasons and the answer describe one state', () => {
  it('every read behind the reasons is at the exact revision the answer was computed at', async () => {
    const { ExplainService } = await import('../src/domain/explain.js');
    const { CheckService } = await import('../src/domain/checks.js');
    const asked: unknown[] = [];
    const store = {
      checkWithTrace: async () => ({ allowed: true, checkedAt: 'answered-here', trace: undefined }),
      readRelationships: async function* (_f: unknown, consistency: unknown) {
        asked.push(consistency);
      },
    } as unknown as AuthzStore;
    const service = new ExplainService(store, new CheckService(store, (s: string) => s));
    await service.explain({ rep: 'SREP001', permission: 'view', client: { type: 'trust', trustNumber: 'T10000001' } }, { kind: 'minimizeLatency' });
    expect(asked.length).toBe(3); // the rep's roles, its groups, the client's grants
    expect(asked.every((c) => JSON.stringify(c) === JSON.stringify({ kind: 'atExactSnapshot', token: 'answered-here' }))).toBe(true);
  });
});
