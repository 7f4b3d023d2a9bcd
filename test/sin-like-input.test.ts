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

/** nowhere the service writes: logs, audit events, the export of SpiceDB */
async function nowhere(digits: string) {
  const plain = digits.replace(/[^0-9]/g, '');
  const exported = (await request(t.app).get('/v1/export').set(bearer(KEYS.ops)).set('RAC-At-Least-As-Fresh', api.token ?? '')).text;
  for (const place of [t.logs.join(''), JSON.stringify(t.audit), exported]) {
    expect(place).not.toContain(digits);
    expect(place.replace(/[^0-9]/g, ' ')).not.toContain(plain);
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
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Payroll 420618506' }],
    ['post', `/v1/businesses/${BN}/groups`, { name: 'Payroll 420-630-873' }],
    ['patch', `/v1/businesses/${BN}`, { name: 'Maple 420 680 357' }],
    ['post', '/v1/businesses', { bn: '555555555', name: 'Client 420667982 Ltd' }],
  ] as const)('a name holding one (%s %s): 400 naming the name, nothing written', async (method, path, body) => {
    const res = await api.as(`rep:${OWNER}`, method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'name', message: 'must not contain a 9-digit number (it could be a SIN)' }]);
    await nowhere(body.name.replace(/^[^0-9]*/, '').replace(/[^0-9]*$/, ''));
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

  it('the docs never redirect with the query string', async () => {
    const res = await request(t.app).get('/docs/assets?client=860061852');
    expect(res.headers.location ?? '').not.toContain('860061852');
    expect(res.text).not.toContain('860061852');
  });
});
