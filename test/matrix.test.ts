// Walks every cell of the access table (test/access-matrix.json, a copy of the spec's) against
// the live schema on the suite's backend: every business function and every client permission,
// for every role, with no privilege and with each privilege in turn. The table is the
// expectation; schema.zed is what is tested. Changing any cell of either makes this fail.
// (The questions are asked by src/review/access-matrix.ts, which also generates
// src/review/access-matrix.md.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROLES, PRIVILEGES } from '../src/domain/permissions.js';
import type { AuthzStore } from '../src/domain/store-port.js';
import { computeMatrix, type MatrixRow } from '../src/review/access-matrix.js';
import { expected, matrix, STATES } from './support/matrix.js';
import { openTestStore } from './support/store.js';

let store: AuthzStore;
let rows: MatrixRow[];

beforeAll(async () => {
  store = await openTestStore();
  rows = await computeMatrix(store);
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

const answers = (permission: string, clientType?: string) => rows.find((r) => r.permission === permission && r.clientType === clientType)!;

const businessCases = matrix.business_functions.flatMap((row) => ROLES.map((role) => [row.permission, role, row] as const));
describe('business functions', () => {
  it.each(businessCases)('%s for %s, by privilege held', (permission, role, row) => {
    const held = answers(permission).allowedWith[role];
    const actual = Object.fromEntries(STATES.map((s) => [s, held.includes(s)]));
    const want = Object.fromEntries(STATES.map((s) => [s, expected(row.roles[role], s)]));
    expect(actual).toEqual(want);
  });
});

const clientCases = matrix.client_permissions.flatMap((row) =>
  (row.applies_to ?? []).flatMap((type) => ROLES.map((role) => [row.permission, type, role, row] as const)),
);
describe('client permissions', () => {
  it.each(clientCases)('%s on a %s client for %s, by privilege held', (permission, type, role, row) => {
    const held = answers(permission, type).allowedWith[role];
    const actual = Object.fromEntries(STATES.map((s) => [s, held.includes(s)]));
    const want = Object.fromEntries(STATES.map((s) => [s, expected(row.roles[role], s, type)]));
    expect(actual).toEqual(want);
  });
});
