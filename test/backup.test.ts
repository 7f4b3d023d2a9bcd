// Backup and move: a firm exported as NDJSON from one backend imports into another (embedded to
// the suite's backend: a SpiceDB server under npm run test:server) with every relationship and
// every check answer unchanged. Only the ops scope may export or import.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DEFINITIONS } from '../src/domain/objects.js';
import { openStore } from '../src/spicedb/index.js';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';
import { EMBEDDED, definitionsOf, schemaText } from './support/store.js';

let source: TestApp;
let target: TestApp;
beforeAll(async () => {
  source = await startTestApp({ store: await openStore(EMBEDDED, schemaText()) });
  target = await startTestApp();
});
afterAll(async () => {
  await source.close();
  await target.close();
});

const BN = '135792468';
const CHECKS = ['OWNERBK', 'SREPBK1', 'JREPBK1', 'GROUPBK'].flatMap((rep) =>
  [
    { type: 'individual', id: '046454286' },
    { type: 'business', id: '987654321' },
    { type: 'trust', id: 'T12345678' },
  ].flatMap((client) => ['view', 'update', 'list'].map((permission) => ({ rep, permission, client }))),
);

it('DEFINITIONS lists exactly the types schema.zed defines', () => {
  expect([...DEFINITIONS]).toEqual(definitionsOf(schemaText()));
});

describe('export and import', () => {
  it('round-trips a firm between backends, relationships and answers unchanged', async () => {
    const api = new Api(source.app);
    const o = 'rep:OWNERBK';
    await api.ok(201, o, 'post', '/v1/businesses', { bn: BN, name: 'Backup & Restore' });
    await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/SREPBK1`, { role: 'senior_rep' });
    await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/SREPBK1/privileges/trust_clients`);
    await api.ok(201, o, 'put', `/v1/businesses/${BN}/employees/JREPBK1`, { role: 'junior_rep' });
    await api.ok(201, 'client:individual:046454286', 'put', `/v1/clients/individual/046454286/authorizations/business/${BN}`, { level: 2 });
    await api.ok(201, 'client:business:987654321', 'put', `/v1/clients/business/987654321/authorizations/business/${BN}`, { level: 3 });
    await api.ok(201, 'client:trust:T12345678', 'put', `/v1/clients/trust/T12345678/authorizations/business/${BN}`, { level: 1, expiresAt: '2099-01-01T00:00:00Z' });
    const g = await api.ok(201, o, 'post', `/v1/businesses/${BN}/groups`, { name: 'Vault' });
    await api.ok(201, o, 'put', `/v1/businesses/${BN}/groups/${g.body.groupId}/clients/business/987654321`);
    await api.ok(201, o, 'put', `/v1/businesses/${BN}/groups/${g.body.groupId}/employees/GROUPBK`, { role: 'senior_rep' });

    const exported = await request(source.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', api.token!);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = exported.text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(15);
    expect(exported.text).not.toContain('046454286'); // the SIN never was in SpiceDB
    expect(JSON.parse(lines.find((l) => l.includes('expiresAt'))!)).toMatchObject({ expiresAt: '2099-01-01T00:00:00.000Z' });

    const imported = await request(target.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', 'application/x-ndjson').send(exported.text);
    expect(imported.status).toBe(200);
    expect(imported.body.imported).toBe(lines.length);
    const again = await request(target.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', imported.body.consistencyToken);
    expect(again.text.trim().split('\n').sort()).toEqual([...lines].sort());

    const ask = async (t: TestApp, token: string) => {
      const res = await request(t.app).post('/v1/check/bulk').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', token).send({ checks: CHECKS });
      return res.body.results.map((r: { allowed: boolean }) => r.allowed);
    };
    const before = await ask(source, api.token!);
    expect(before.filter(Boolean).length).toBeGreaterThan(3);
    expect(await ask(target, imported.body.consistencyToken)).toEqual(before);
  });

  it('is refused over HTTP/1.0 (505), where a cut could not be told from the end: no chunked framing, the close ends the body', async () => {
    const { createServer } = await import('node:http');
    const { connect } = await import('node:net');
    const server = createServer(source.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const ask = (version: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect((server.address() as { port: number }).port, '127.0.0.1');
        let got = '';
        socket.on('data', (d) => (got += d));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
        socket.write(`GET /v1/export ${version}\r\nHost: x\r\nAuthorization: Bearer ${KEYS.ops}\r\nConnection: close\r\n\r\n`);
      });
    const errors = () => source.logs.filter((l) => l.includes('"level":50')).length;
    try {
      const errorsBefore = errors();
      const old = await ask('HTTP/1.0');
      expect(old).toMatch(/^HTTP\/1\.1 505 /);
      expect(old).toContain('application/problem+json');
      expect(old).toContain('HTTP/1.1');
      // the caller's protocol, not a failure of the service: no error logged
      expect(errors()).toBe(errorsBefore);
      expect(source.logs.some((l) => l.includes('"level":40') && l.includes('505'))).toBe(true);
      const current = await ask('HTTP/1.1');
      expect(current).toMatch(/^HTTP\/1\.1 200 /);
      expect(current.toLowerCase()).toContain('transfer-encoding: chunked');
    } finally {
      server.close();
    }
  });

  it('needs the ops scope', async () => {
    expect((await request(source.app).get('/v1/export').set(bearer(KEYS.check))).status).toBe(403);
    expect((await request(source.app).post('/v1/import').set(bearer(KEYS.admin)).send('')).status).toBe(403);
  });

  it('refuses a line that is not a relationship, naming it', async () => {
    const res = await request(target.app)
      .post('/v1/import')
      .set(bearer(KEYS.ops))
      .set('Content-Type', 'application/x-ndjson')
      .send('{"resource":{"type":"business","id":"246813579"},"relation":"owner","subject":{"type":"rep","id":"A1B2C3D"}}\n{"nope":1}\n');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'line 2', message: expect.any(String) }]);
  });

  const importing = (body: string, type = 'application/x-ndjson') =>
    request(target.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', type).timeout(10_000).send(body);
  const line = (r: object) => JSON.stringify(r);
  const exportedLines = async (token: string) =>
    (await request(target.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', token)).text.trim().split('\n');

  it('an import with no relationship in it still answers a consistency token (every write returns one)', async () => {
    for (const body of ['', '\n\n']) {
      const res = await importing(body);
      expect(res.status).toBe(200);
      expect(res.body.imported).toBe(0);
      expect(res.body.consistencyToken).toEqual(expect.any(String));
      expect(res.body.consistencyToken).not.toBe('');
      expect(res.headers['rac-consistency-token']).toBe(res.body.consistencyToken);
      expect((await request(target.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', res.body.consistencyToken)).status).toBe(200);
    }
  });

  it('an import is one audit event, naming the API key, how many relationships it wrote and its token; a cut-short one too', async () => {
    const owner = (rep: string) => line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: rep } });
    const ok = await importing(`${owner('AUDIT01')}\n${owner('AUDIT02')}\n`);
    expect(ok.status).toBe(200);
    expect(target.audit.at(-1)).toEqual({
      actor: 'key:key3:ops',
      operation: 'relationships.import',
      target: 'relationships',
      after: { imported: 2 },
      consistencyToken: ok.body.consistencyToken,
      requestId: expect.any(String),
    });
    const refused = line({ resource: { type: 'business', id: '246813579' }, relation: 'landlord', subject: { type: 'rep', id: 'AUDIT04' } });
    const cut = await importing(`${owner('AUDIT03')}\n${refused}\n`);
    expect(cut.status).toBe(400);
    expect(target.audit.at(-1)).toMatchObject({ actor: 'key:key3:ops', operation: 'relationships.import', after: { imported: 1 }, consistencyToken: expect.any(String) });
    // refused part-way, it wrote: the problem carries the write's token, as every write's answer does
    expect(cut.headers['rac-consistency-token']).toBe(target.audit.at(-1)!.consistencyToken);
    const before = target.audit.length;
    const none = await importing('{"nope":1}\n');
    expect(none.status).toBe(400); // nothing written: nothing to audit, no token
    expect(none.headers['rac-consistency-token']).toBeUndefined();
    expect(target.audit.length).toBe(before);
  });

  it('a repeated line is harmless (a touch is idempotent); of two expiries for one relationship, the later line wins', async () => {
    const owner = line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'DUPREP1' } });
    const twice = await importing(`${owner}\n${owner}\n`);
    expect(twice.status).toBe(200);
    expect(twice.body.imported).toBe(2);
    const rep = (expiresAt: string) =>
      line({ resource: { type: 'trust_client', id: 'T24681357' }, relation: 'rep_level_1', subject: { type: 'rep', id: 'DUPREP1' }, expiresAt });
    const res = await importing(`${rep('2099-01-01T00:00:00Z')}\n${owner}\n${rep('2098-01-01T00:00:00Z')}\n`);
    expect(res.status).toBe(200);
    const lines = await exportedLines(res.body.consistencyToken);
    expect(lines.filter((l) => l.includes('DUPREP1'))).toEqual(expect.arrayContaining([owner, expect.stringContaining('2098-01-01')]));
    expect(lines.filter((l) => l.includes('T24681357'))).toHaveLength(1);
  });

  it.each([
    ['a subject type the relation does not allow', { resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'business', id: '246813579' } }],
    ['an unknown relation', { resource: { type: 'business', id: '246813579' }, relation: 'landlord', subject: { type: 'rep', id: 'A1B2C3D' } }],
    ['an unknown subject relation', { resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'A1B2C3D', relation: 'boss' } }],
    ['an expiry on a relation without one', { resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'A1B2C3D' }, expiresAt: '2099-01-01T00:00:00Z' }],
  ])('a line the schema refuses (%s): 400 naming it, the lines before it imported', async (_label, bad) => {
    const before = line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'BEFORE1' } });
    const after = line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'AFTER01' } });
    const res = await importing(`${before}\n\n${line(bad)}\n${after}\n`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'line 3', message: expect.any(String) }]);
    expect(res.body.detail).toContain('1 were imported');
  });

  it.each([
    ['not JSON', '{"resource":'],
    ['not a relationship', JSON.stringify({ nope: 1 })],
    ['too long', `{"pad":"${'x'.repeat(64 * 1024)}"}`],
  ])('a line refused before SpiceDB sees it (%s): 400 naming it, the lines before it imported', async (_label, bad) => {
    const before = line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'BEFORE2' } });
    const after = line({ resource: { type: 'business', id: '246813579' }, relation: 'owner', subject: { type: 'rep', id: 'AFTER02' } });
    const res = await importing(`${before}\n${bad}\n${after}\n`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'line 2', message: expect.any(String) }]);
    expect(res.body.detail).toContain('1 were imported');
    expect(res.headers['rac-consistency-token']).toBe(target.audit.at(-1)!.consistencyToken);
    const written = await exportedLines(res.headers['rac-consistency-token'] as string);
    expect(written).toContain(before);
    expect(written).not.toContain(after);
  });

  it.each([
    ["a business linked to another firm's group", { resource: { type: 'business', id: '246813579' }, relation: 'group', subject: { type: 'bn_group', id: '135792468_g1' } }],
    ['a group naming another business', { resource: { type: 'bn_group', id: '135792468_g1' }, relation: 'business', subject: { type: 'business', id: '246813579' } }],
    ["an authorization record of one firm naming another", { resource: { type: 'authorization', id: 'trust_T24681357_135792468' }, relation: 'business', subject: { type: 'business', id: '246813579' } }],
    ["an authorization record fenced into another firm's group", { resource: { type: 'authorization', id: 'trust_T24681357_135792468' }, relation: 'group', subject: { type: 'bn_group', id: '246813579_g1' } }],
    ["a client's edge to another client's record", { resource: { type: 'trust_client', id: 'T24681357' }, relation: 'business_level_1', subject: { type: 'authorization', id: 'trust_T13572468_135792468' } }],
    ["a client's edge to a record of another client type", { resource: { type: 'business_client', id: '135792468' }, relation: 'business_level_1', subject: { type: 'authorization', id: 'trust_T13572468_135792468' } }],
  ])('a line linking objects the service never links (%s): 400 naming it, nothing of it written', async (_label, bad) => {
    const res = await importing(`${line(bad)}\n`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'line 1', message: 'is not a relationship as GET /v1/export writes them' }]);
  });

  it("a file from before the business linked its groups: the links come with the groups' lines, counted apart", async () => {
    const bn = '975318642';
    const group = { type: 'bn_group', id: `${bn}_g7` };
    const lines = [
      line({ resource: { type: 'business', id: bn }, relation: 'registered', subject: { type: 'rep', id: '*' } }),
      line({ resource: { type: 'business', id: bn }, relation: 'owner', subject: { type: 'rep', id: 'OLDOWN1' } }),
      line({ resource: group, relation: 'business', subject: { type: 'business', id: bn } }),
      line({ resource: group, relation: 'fence', subject: { type: 'rep', id: '*' } }),
      line({ resource: group, relation: 'junior_rep_limited', subject: { type: 'rep', id: 'OLDLIM1' } }),
    ];
    const res = await importing(`${lines.join('\n')}\n`);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(lines.length);
    const link = line({ resource: { type: 'business', id: bn }, relation: 'group', subject: group });
    expect(await exportedLines(res.body.consistencyToken)).toContain(link);
    // the audit event counts them apart
    expect(target.audit.at(-1)).toMatchObject({ operation: 'relationships.import', after: { imported: lines.length, groupLinks: 1 } });
    const asked = await request(target.app)
      .post('/v1/check')
      .set(bearer(KEYS.check))
      .set('RAC-At-Least-As-Fresh', res.body.consistencyToken)
      .send({ rep: 'OLDLIM1', permission: 'request_authorization', business: bn });
    expect(asked.body.allowed).toBe(true);
  });

  it.each([
    ['after the group line', '975318650'],
    ['before the group line, in the same write', '975318668'],
    ['before the group line, in an earlier write', '975318676'],
  ])("a file holding a group's link %s counts it as imported, not as a link it lacked", async (where, bn) => {
    const group = { type: 'bn_group', id: `${bn}_g8` };
    const groupLine = line({ resource: group, relation: 'business', subject: { type: 'business', id: bn } });
    const linkLine = line({ resource: { type: 'business', id: bn }, relation: 'group', subject: group });
    const owner = line({ resource: { type: 'business', id: bn }, relation: 'owner', subject: { type: 'rep', id: 'LINKED1' } });
    // a line repeated goes to the next write: the link line's write comes before the group line's
    const file = where.startsWith('after') ? [groupLine, linkLine] : where.endsWith('same write') ? [linkLine, groupLine] : [linkLine, owner, owner, groupLine];
    const res = await importing(`${file.join('\n')}\n`);
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(file.length);
    expect(target.audit.at(-1)).toEqual(
      expect.objectContaining({ operation: 'relationships.import', after: { imported: file.length }, consistencyToken: res.body.consistencyToken }),
    );
  });

  it('part of a firm imported for a BN never registered does not keep the BN from registering: it starts empty', async () => {
    const bn = '864297530';
    const res = await importing(`${line({ resource: { type: 'bn_group', id: `${bn}_stray1` }, relation: 'business', subject: { type: 'business', id: bn } })}\n`);
    expect(res.status).toBe(200);
    const registered = await request(target.app).post('/v1/businesses').set(bearer(KEYS.admin)).set('RAC-Actor', 'rep:STRAY01').send({ bn, name: 'Fresh start' });
    expect(registered.status).toBe(201);
    const left = (await exportedLines(registered.body.consistencyToken)).filter((l) => l.includes('stray1'));
    expect(left).toEqual([]);
  });

  it.each([
    ['one line', `${line({ resource: { type: 'business', id: '1' }, relation: 'owner', subject: { type: 'rep', id: 'A' } })}`],
    ['two lines', '{"a":1}\n{"b":2}\n'],
    ['nothing', ''],
  ])('sent as application/json (%s): a prompt 415 naming NDJSON', async (_label, body) => {
    const res = await importing(body, 'application/json');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('application/x-ndjson');
  });
});
