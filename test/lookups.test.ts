// A rep's client list (SpiceDB's LookupResources, paged by rac-authz's cursor) held to the checks:
// for every rep, permission and page size, the clients listed are exactly the clients a check
// allows, across BN groups, several firms, direct authorizations, suspension, a dissolved group
// and expiry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import type { ClientType } from '../src/domain/identifiers.js';
import { LookupService } from '../src/domain/lookups.js';
import { createPseudonymizer } from '../src/domain/pseudonym.js';
import { clientObject, repObject, type ClientKey } from '../src/domain/objects.js';
import { CLIENT_PERMISSIONS, clientPermissionApplies, type ClientPermission } from '../src/domain/permissions.js';
import type { AuthzStore, Relationship } from '../src/domain/store-port.js';
import { FULL, openTestStore, put, remove } from './support/store.js';

const BN = '111111118';
const BN2 = '222222226';
const TYPES: ClientType[] = ['individual', 'business', 'trust'];
const REPS = ['OWN0001', 'SAD0001', 'JAD0001', 'SRE0001', 'JRE0001', 'LIM0001', 'DIS0001', 'GME0001', 'GSA0001', 'SA20001', 'NOONE01'];
const keyOf = (type: ClientType, i: number) => (type === 'individual' ? `ind${i}` : type === 'business' ? String(800000000 + i) : `T5000000${i}`);
const clients: ClientKey[] = TYPES.flatMap((type) => Array.from({ length: 9 }, (_, i) => ({ type, key: keyOf(type, i) })));
const name = (c: ClientKey) => `${c.type}:${c.key}`;

let store: AuthzStore;
let lookups: LookupService;

beforeAll(async () => {
  store = await openTestStore();
  lookups = new LookupService(store, createPseudonymizer('test-pseudonym-key-0123456789'));
  const rels: Relationship[] = [
    facts.registered(BN),
    facts.role(BN, 'OWN0001', 'owner'),
    facts.role(BN, 'SAD0001', 'senior_admin'),
    facts.role(BN, 'JAD0001', 'junior_admin'),
    facts.role(BN, 'SRE0001', 'senior_rep'),
    facts.privilege(BN, 'SRE0001', 'individual_clients'),
    facts.privilege(BN, 'SRE0001', 'trust_clients'),
    facts.role(BN, 'JRE0001', 'junior_rep'),
    facts.privilege(BN, 'JRE0001', 'business_clients'),
    facts.role(BN, 'LIM0001', 'junior_rep_limited'),
    facts.role(BN, 'DIS0001', 'senior_rep'),
    facts.privilege(BN, 'DIS0001', 'individual_clients'),
    facts.disassociated(BN, 'DIS0001'),
    facts.role(BN, 'GME0001', 'junior_rep'),
    facts.privilege(BN, 'GME0001', 'individual_clients'),
    facts.role(BN, 'GSA0001', 'junior_rep'),
    ...facts.group(BN, 'g1'),
    ...facts.group(BN, 'g2'),
    facts.groupAssociation(BN, 'g1', 'GME0001', 'member'),
    facts.groupAssociation(BN, 'g2', 'GSA0001', 'senior_admin'),
    // a second firm: its senior administrator, and SRE0001 employed there too
    facts.registered(BN2),
    facts.role(BN2, 'SA20001', 'senior_admin'),
    facts.role(BN2, 'SRE0001', 'junior_rep'),
    facts.privilege(BN2, 'SRE0001', 'business_clients'),
  ];
  for (const c of clients) {
    const i = Number(c.key.slice(-1));
    const level = (c.type === 'business' ? (i % 3) + 1 : (i % 2) + 1) as 1 | 2 | 3;
    rels.push(...facts.businessAuthorization(c, BN, level));
    if (i % 3 === 1) rels.push(facts.clientInGroup(c, BN, 'g1'));
    if (i % 3 === 2) rels.push(facts.clientInGroup(c, BN, 'g2'));
    if (i === 8) rels.push(...facts.businessAuthorization(c, BN2, 2));
    if (i === 5) rels.push(facts.repAuthorization(c, 'JRE0001', 2));
  }
  await put(store, rels);
});
afterAll(async () => {
  await store.close();
});

/** every client the rep is listed with, following the cursor page by page */
async function listed(repId: string, permission: ClientPermission, limit: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null | undefined;
  for (let pages = 0; pages < 200; pages++) {
    cursor = await lookups.clientsOfRep(
      { repId, permission, limit, ...(permission === 'view_notices' ? { type: 'individual' as const } : {}), ...(cursor ? { cursor } : {}) },
      FULL,
      async (c) => {
        out.push(`${c.type}:${c.id}`);
      },
    );
    if (!cursor) return out;
  }
  throw new Error('the pages never ended');
}

/** the clients a check of the permission allows the rep */
async function allowed(repId: string, permission: string, applies: (c: ClientKey) => boolean): Promise<Set<string>> {
  const asked = clients.filter(applies);
  const { results } = await store.checkBulk(
    asked.map((c) => ({ resource: clientObject(c), permission, subject: repObject(repId) })),
    FULL,
  );
  return new Set(
    asked.filter((_, i) => {
      const r = results[i]!;
      if ('error' in r) throw r.error;
      return r.allowed;
    }).map(name),
  );
}

/** for every rep and permission, the listed clients (page sizes 2 and 1000) are the allowed ones */
async function expectListsMatchChecks(): Promise<number> {
  let nonEmpty = 0;
  for (const rep of REPS) {
    for (const permission of CLIENT_PERMISSIONS) {
      const want = await allowed(rep, permission, (c) => clientPermissionApplies(permission, c.type));
      for (const limit of [2, 1000]) {
        expect({ rep, permission, limit, clients: [...new Set(await listed(rep, permission, limit))].sort() }).toEqual({
          rep,
          permission,
          limit,
          clients: [...want].sort(),
        });
      }
      if (want.size > 0) nonEmpty++;
    }
  }
  return nonEmpty;
}

const individuals = (...is: number[]) => is.map((i) => `individual:ind${i}`);
// some 1,500 lookups a test: room for a stalled one or two, each asked again after the store's
// stall limit (src/spicedb/spicedb-store.ts)
const LONG = 120_000;

describe('a rep\'s client list is exactly what checks allow', () => {
  it('with BN groups, two firms, direct authorizations, a disassociated and a limited rep', async () => {
    // the fence is at work: the senior administrator lists only the clients in no group, the
    // owner all of them, the group member the business-wide ones and its group's
    expect((await listed('SAD0001', 'view', 1000)).filter((c) => c.startsWith('individual:')).sort()).toEqual(individuals(0, 3, 6));
    expect(new Set(await listed('OWN0001', 'view', 1000)).size).toBe(27);
    expect((await listed('GME0001', 'list', 1000)).sort()).toEqual(individuals(0, 1, 3, 4, 6, 7));
    expect((await listed('GSA0001', 'view', 1000)).filter((c) => c.startsWith('individual:')).sort()).toEqual(individuals(0, 2, 3, 5, 6, 8));
    expect(await listed('DIS0001', 'view', 1000)).toEqual([]);
    expect(await listed('LIM0001', 'view', 1000)).toEqual([]);
    // a junior representative updates nobody through the firm: only the three clients who
    // authorized its RepID directly at level 2
    expect((await listed('JRE0001', 'update', 1000)).sort()).toEqual(['business:800000005', 'individual:ind5', 'trust:T50000005']);
    const nonEmpty = await expectListsMatchChecks();
    expect(nonEmpty).toBeGreaterThan(30);
  }, LONG);

  it('after a suspension, a dissolved group and an expiry', async () => {
    // client 6 of each type now authorizes the firm (at its level, 1) until a moment from now
    const expiresAt = new Date(Date.now() + 1500);
    await put(store, clients.filter((c) => c.key.endsWith('6')).flatMap((c) => facts.businessAuthorization(c, BN, 1, expiresAt)));
    await put(store, [facts.suspended(BN2)]);
    await remove(store, [facts.group(BN, 'g1')[1]!]); // g1's fence: its clients return to the business-wide rule
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now() + 500)));
    expect((await listed('SAD0001', 'view', 1000)).filter((c) => c.startsWith('individual:')).sort()).toEqual(individuals(0, 1, 3, 4, 7));
    expect(await listed('SA20001', 'view', 1000)).toEqual([]);
    const nonEmpty = await expectListsMatchChecks();
    expect(nonEmpty).toBeGreaterThan(30);
  }, LONG);
});

