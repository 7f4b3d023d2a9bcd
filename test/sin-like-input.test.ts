// What could be a SIN never comes back, reaches a log, an audit event or SpiceDB through a field the
// service does not read as a client (rac-access.md section 6): a caller's request id, a business or
// group name, a group id, an imported object id, a redirect. Each case uses its own number, so a
// leak names its input.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { newGroupId } from '../src/domain/group.commands.js';
import { Api } from './support/api.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let api: Api;
const BN = '246800135';
const OWNER = 'SINOWN1';

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  await api.ok(201, `rep:${OWNER}`, 'post', '/v1/businesses', { bn: BN, name: 'Numbers Ltd' });
});
afterAll(async () => {
  await t.close();
});

/** nowhere the service writes: logs, audit events, the export of SpiceDB (and `also`, e.g. a response) */
async function nowhere(digits: string, ...also: string[]) {
  const plain = digits.normalize('NFKC').replace(/[^0-9]/g, '');
  // a SIN's nine digits: fewer would turn up by chance among the logs' timestamps and durations
  // (a case once used x1_2_3_4_5, and "12345" was found in them one run in twenty or so)
  expect(plain.length).toBeGreaterThanOrEqual(9);
  const exported = (await request(t.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', api.token ?? '')).text;
  for (const place of [t.logs.join(''), JSON.stringify(t.audit), exported, ...also]) {
    expect(place).not.toContain(digits);
    // the digits however separated, in whatever digits they were written
    expect(place.normalize('NFKC').replace(/[^0-9]/g, '')).not.toContain(plain);
  }
}

describe('a SIN-like number where no client is named', () => {
  it.each(['310012372', '310-037-114', 'req-860049485-abc'])('X-Request-Id %s: kept with the number masked, everywhere', async (id) => {
    const res = await request(t.app).put(`/v1/businesses/${BN}/employees/REQID01`).set(bearer(KEYS.admin)).set('RAC-Actor', `rep:${OWNER}`).set('X-Request-Id', id).send({ role: 'junior_rep' });
    expect(res.status).toBeLessThan(300);
    expect(res.headers['x-request-id']).toBe(id.replace(/[0-9](?:[ ._-]?[0-9]){8}/, (run) => '*'.repeat(run.length)));
    await nowhere(id);
  });

  it.each([
    ['310__045__287', '*************'],
    ['310..046..118', '*************'],
    ['x-310-.047-.229-y', 'x-*************-y'],
    ['abc-310-.-048-.-226', 'abc-***************'],
  ])('X-Request-Id %s, its digits twice separated: masked all the same', async (id, masked) => {
    const res = await request(t.app).put(`/v1/businesses/${BN}/employees/REQID01`).set(bearer(KEYS.admin)).set('RAC-Actor', `rep:${OWNER}`).set('X-Request-Id', id).send({ role: 'junior_rep' });
    expect(res.status).toBeLessThan(300);
    expect(res.headers['x-request-id']).toBe(masked);
    await nowhere(id);
  });

  it.each([
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Payroll 420618506' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421/062/118' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421  063  119' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm \uff14\uff12\uff11\uff10\uff16\uff14\uff11\uff12\uff10' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421\u2013065\u2013121' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: '421\u00a0066\u00a0122 Holdings' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421,067,123' }],
    ['patch', `/v1/businesses/${BN}`, { name: 'Firm 421 - 068 - 124' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Payroll 420-630-873' }],
    ['patch', `/v1/businesses/${BN}`, { name: 'Maple 420 680 357' }],
    ['post', '/v1/businesses', { bn: '555555555', name: 'Client 420667982 Ltd' }],
    // characters that show nothing (zero-width spaces, a word joiner, soft hyphens, combining marks)
    // between the digits, however many: the name displays as the number
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Client 421\u200b\u200b\u200b\u200b069\u200b\u200b\u200b\u200b125' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Client 4\u20602\u20601\u2060\u2060\u2060\u2060070126' }],
    ['patch', `/v1/businesses/${BN}`, { name: 'Firm 421 \u00ad\u00ad\u00ad071 127' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421\u0301\u0301\u0301\u0301072128' }],
    // Hangul fillers are letters that show nothing (default-ignorable)
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Firm 421\u3164073\u3164129' }],
  ] as const)('a name holding one (%s %s): 400 naming the name, nothing written', async (method, path, body) => {
    const res = await api.as(`rep:${OWNER}`, method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'name', message: 'must not contain a 9-digit number (it could be a SIN)' }]);
    await nowhere(body.name.normalize('NFKC').replace(/^[^0-9]*/, '').replace(/[^0-9]*$/, ''));
  });

  it('a group id of nine digits: 400 naming the group id, nothing audited', async () => {
    for (const [method, path] of [
      ['put', `/v1/businesses/${BN}/groups/310371109/employees/REQID01`],
      ['delete', `/v1/businesses/${BN}/groups/420729832/employees/REQID01`],
      ['delete', `/v1/businesses/${BN}/groups/x420717464/clients/trust/T12345678`],
    ] as const) {
      const res = await api.as(`rep:${OWNER}`, method, path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['groupId']);
    }
    await nowhere('310371109');
    await nowhere('420729832');
    await nowhere('420717464');
  });

  it('the ids the service assigns to groups never hold one', () => {
    for (let i = 0; i < 20_000; i++) expect(newGroupId()).not.toMatch(/[0-9]{9}/);
  });

  it.each([
    ['a raw SIN as an individual', '530012376', { resource: { type: 'individual_client', id: '530012376' }, relation: 'rep_level_1', subject: { type: 'rep', id: 'SREP001' } }],
    ['a SIN-like RepID', '530049485', { resource: { type: 'trust_client', id: 'T12345678' }, relation: 'rep_level_1', subject: { type: 'rep', id: '530049485' } }],
    ['a SIN in an authorization record', '530037118', { resource: { type: 'authorization', id: `individual_530037118_${BN}` }, relation: 'business', subject: { type: 'business', id: BN } }],
    ['a SIN-like group id', '530061852', { resource: { type: 'bn_group', id: `${BN}_530061852` }, relation: 'business', subject: { type: 'business', id: BN } }],
    ['a name holding one', '530-074-668', { resource: { type: 'business', id: BN }, relation: 'name', subject: { type: 'display_name', id: Buffer.from('Firm 530-074-668').toString('base64url') } }],
  ])('an import line with %s: 400 naming the line, nothing written', async (_what, number, line) => {
    const res = await request(t.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify(line)}\n`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['line 1']);
    await nowhere(number);
  });

  it.each([
    ['a raw SIN as a name', '530081234'],
    ['a SIN written out as a name', 'SIN-530-082-345'],
    ['a SIN between underscores', 'sin_530083456_x'],
  ])('an import line with %s id: 400 naming the line, nothing written', async (_what, id) => {
    const line = { resource: { type: 'business', id: BN }, relation: 'name', subject: { type: 'display_name', id } };
    const res = await request(t.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify(line)}\n`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['line 1']);
    await nowhere(id, res.text);
  });

  it('an imported name must be one the API would store, encoded as the service encodes it', async () => {
    const fine = Buffer.from('Imported Ltd').toString('base64url');
    for (const [id, status] of [
      [fine, 200],
      [`${fine}=`, 400], // not base64url as the service writes it
      [Buffer.from(' Imported Ltd').toString('base64url'), 400], // a name the API would have trimmed
      [Buffer.from([0xff, 0xfe, 0x41]).toString('base64url'), 400], // not UTF-8
    ] as const) {
      const line = { resource: { type: 'business', id: '135792468' }, relation: 'name', subject: { type: 'display_name', id } };
      const res = await request(t.app).post('/v1/import').set(bearer(KEYS.ops)).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify(line)}\n`);
      expect([id, res.status]).toEqual([id, status]);
    }
  });

  it.each(['sin_530_091_852', 'a530_092_963', 'x5_3_0_0_9_4_0_7_4'])('an unknown field named %s: named "(a field)", never echoed', async (key) => {
    for (const [path, body] of [
      ['/v1/check', { rep: 'A1B2C3D', permission: 'view', business: BN, [key]: 1 }],
      ['/v1/check', { rep: 'A1B2C3D', permission: 'view', client: { type: 'trust', id: 'T12345678', [key]: 1 } }],
    ] as const) {
      const res = await request(t.app).post(path).set(bearer(KEYS.check)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.some((e: { path: string }) => /\(a field\)$/.test(e.path))).toBe(true);
      expect(res.text).not.toContain(key);
    }
    await nowhere(key);
  });

  it('the docs never redirect with the query string', async () => {
    const res = await request(t.app).get('/docs/assets?client=860061852');
    expect(res.headers.location ?? '').not.toContain('860061852');
    expect(res.text).not.toContain('860061852');
  });
});
