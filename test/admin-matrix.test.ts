// End to end through the API: the firm is built only with the admin endpoints (registration,
// employees, privileges, client authorizations), then every row of the access table is checked
// over HTTP: one test per business function and per client permission.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClientType } from '../src/domain/identifiers.js';
import { ROLES, type Role } from '../src/domain/permissions.js';
import { Api } from './support/api.js';
import { startTestApp, type TestApp } from './support/app.js';
import { expected, matrix, STATES, type PrivilegeState } from './support/matrix.js';

const BN = '555000111';
const OWNER = 'OWNER00';
/** the client ids as callers know them */
const CLIENTS: Record<ClientType, string> = { individual: '046454286', business: '987654321', trust: 'T12345678' };
const repFor = (role: Role, state: PrivilegeState) => `M${ROLES.indexOf(role)}${STATES.indexOf(state)}AAAA`;

let t: TestApp;
let api: Api;

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  const owner = `rep:${OWNER}`;
  await api.ok(201, owner, 'post', '/v1/businesses', { bn: BN, name: 'Matrix & Co.' });
  for (const role of ROLES) {
    for (const state of STATES) {
      const rep = repFor(role, state);
      await api.ok(201, owner, 'put', `/v1/businesses/${BN}/employees/${rep}`, { role });
      if (state === 'none') continue;
      // the API refuses a privilege to the limited role (the table expects it to have none); an
      // owner or senior administrator holds every one already (200, nothing stored)
      const status = role === 'junior_rep_limited' ? 409 : role === 'owner' || role === 'senior_admin' ? 200 : 201;
      await api.ok(status, owner, 'put', `/v1/businesses/${BN}/employees/${rep}/privileges/${state}`);
    }
  }
  for (const [type, id] of Object.entries(CLIENTS)) {
    await api.ok(201, `client:${type}:${id}`, 'put', `/v1/clients/${type}/${id}/authorizations/business/${BN}`, { level: 2 });
  }
}, 120_000);

afterAll(async () => {
  await t.close();
});

async function table(permission: string, target: object, clientType?: ClientType) {
  const checks = ROLES.flatMap((role) => STATES.map((state) => ({ rep: repFor(role, state), permission, ...target })));
  const answers = await api.checkBulk(checks);
  const actual: Record<string, Record<string, boolean>> = {};
  const want: Record<string, Record<string, boolean>> = {};
  const row = [...matrix.business_functions, ...matrix.client_permissions].find(
    (r) => r.permission === permission && (clientType ? r.applies_to : !r.applies_to),
  )!;
  ROLES.forEach((role, i) => {
    actual[role] = {};
    want[role] = {};
    STATES.forEach((state, j) => {
      actual[role]![state] = answers[i * STATES.length + j]!;
      want[role]![state] = expected(row.roles[role], state, clientType);
    });
  });
  return { actual, want };
}

describe('business functions, firm built through the API', () => {
  it.each(matrix.business_functions.map((r) => r.permission))('%s', async (permission) => {
    const { actual, want } = await table(permission, { business: BN });
    expect(actual).toEqual(want);
  });
});

describe('client permissions, firm and authorizations built through the API', () => {
  const cases = matrix.client_permissions.flatMap((r) => (r.applies_to ?? []).map((type) => [r.permission, type] as const));
  it.each(cases)('%s on a %s client', async (permission, type) => {
    const { actual, want } = await table(permission, { client: { type, id: CLIENTS[type] } }, type);
    expect(actual).toEqual(want);
  });
});
