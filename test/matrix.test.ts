// Walks every cell of the access table (test/access-matrix.json, a copy of the spec's) against
// the live schema: every business function and every client permission, for every role, with
// no privilege and with each privilege in turn. The table is the expectation; schema.zed is
// what is tested. Changing any cell of either makes this fail.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import type { ClientType } from '../src/domain/identifiers.js';
import { businessObject, clientObject, repObject, type ClientKey } from '../src/domain/objects.js';
import { PRIVILEGES, ROLES, type Role } from '../src/domain/permissions.js';
import type { AuthzStore, CheckQuery } from '../src/domain/store-port.js';
import { expected, matrix, STATES, type PrivilegeState } from './support/matrix.js';
import { FULL, openTestStore, put } from './support/store.js';

const BN = '123456789';
/** one employee per (role, privilege state): e.g. role 2, state 3 -> "R23AAAA" */
const repFor = (role: Role, state: PrivilegeState) => `R${ROLES.indexOf(role)}${STATES.indexOf(state)}AAAA`;
const CLIENTS: Record<ClientType, ClientKey> = {
  individual: { type: 'individual', key: 'a'.repeat(64) },
  business: { type: 'business', key: '987654321' },
  trust: { type: 'trust', key: 'T12345678' },
};

let store: AuthzStore;
/** actual answers, keyed "permission|target|role|state" */
const answers = new Map<string, boolean>();
const key = (permission: string, target: string, role: Role, state: PrivilegeState) => `${permission}|${target}|${role}|${state}`;

beforeAll(async () => {
  store = await openTestStore();
  // The table's assumptions: an active business, active associations, clients authorized at
  // level 2, in no BN group.
  const rels = [facts.registered(BN)];
  for (const role of ROLES) {
    for (const state of STATES) {
      rels.push(facts.role(BN, repFor(role, state), role));
      // written even for junior_rep_limited (which the API refuses): the schema must not let
      // that role use a privilege even if one is recorded
      if (state !== 'none') rels.push(facts.privilege(BN, repFor(role, state), state));
    }
  }
  for (const c of Object.values(CLIENTS)) rels.push(...facts.businessAuthorization(c, BN, 2));
  await put(store, rels);

  const queries: Array<{ k: string; q: CheckQuery }> = [];
  for (const role of ROLES) {
    for (const state of STATES) {
      const subject = repObject(repFor(role, state));
      for (const row of matrix.business_functions) {
        queries.push({ k: key(row.permission, 'firm', role, state), q: { resource: businessObject(BN), permission: row.permission, subject } });
      }
      for (const row of matrix.client_permissions) {
        for (const type of row.applies_to ?? []) {
          queries.push({ k: key(row.permission, type, role, state), q: { resource: clientObject(CLIENTS[type]), permission: row.permission, subject } });
        }
      }
    }
  }
  for (let i = 0; i < queries.length; i += 500) {
    const chunk = queries.slice(i, i + 500);
    const { results } = await store.checkBulk(chunk.map((c) => c.q), FULL);
    results.forEach((r, j) => {
      if ('error' in r) throw r.error;
      answers.set(chunk[j]!.k, r.allowed);
    });
  }
});

afterAll(async () => {
  await store.close();
});

describe('the table covers the spec', () => {
  it('has 14 business functions, 6 client permissions, 6 roles, 4 privileges', () => {
    expect(matrix.business_functions).toHaveLength(14);
    expect(matrix.client_permissions).toHaveLength(6);
    expect(matrix.roles).toEqual([...ROLES]);
    expect(Object.keys(matrix.privileges)).toEqual([...PRIVILEGES]);
  });
});

const businessCases = matrix.business_functions.flatMap((row) => ROLES.map((role) => [row.permission, role, row] as const));
describe('business functions', () => {
  it.each(businessCases)('%s for %s, by privilege held', (permission, role, row) => {
    const actual = Object.fromEntries(STATES.map((s) => [s, answers.get(key(permission, 'firm', role, s))]));
    const want = Object.fromEntries(STATES.map((s) => [s, expected(row.roles[role], s)]));
    expect(actual).toEqual(want);
  });
});

const clientCases = matrix.client_permissions.flatMap((row) =>
  (row.applies_to ?? []).flatMap((type) => ROLES.map((role) => [row.permission, type, role, row] as const)),
);
describe('client permissions', () => {
  it.each(clientCases)('%s on a %s client for %s, by privilege held', (permission, type, role, row) => {
    const actual = Object.fromEntries(STATES.map((s) => [s, answers.get(key(permission, type, role, s))]));
    const want = Object.fromEntries(STATES.map((s) => [s, expected(row.roles[role], s, type)]));
    expect(actual).toEqual(want);
  });
});
