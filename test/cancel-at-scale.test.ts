// Cancelling a firm with thousands of employees, privileges and group associations: more than one
// WriteRelationships can hold. The registration ends in the first write (from then on nothing
// is reachable, the status reads "cancelled"), the rest is removed page by page, and the firm
// is left empty while the clients' authorizations stay.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import { collect } from '../src/domain/firm-state.js';
import type { Relationship } from '../src/domain/store-port.js';
import { Api } from './support/api.js';
import { startTestApp, type TestApp } from './support/app.js';
import { FULL, openTestStore, overriding, put } from './support/store.js';

const BN = '555000999';
let t: TestApp;
let api: Api;
/** while set, the clean-up's deletes wait for it: the firm is seen between the status change and the purge */
let gate: Promise<void> | undefined;
let purgeReached: () => void = () => {};
beforeAll(async () => {
  const raw = await openTestStore();
  const held = overriding(raw, {
    deleteRelationships: async (filter, options) => {
      if (gate) {
        purgeReached();
        await gate;
      }
      return raw.deleteRelationships(filter, options);
    },
  });
  t = await startTestApp({ store: held });
  api = new Api(t.app);
});
afterAll(async () => {
  await t.close();
});

it('cancels a firm of 3000 employees in one visible step and leaves nothing of it', async () => {
  await api.ok(201, 'rep:BIGOWN1', 'post', '/v1/businesses', { bn: BN, name: 'Big Firm' });
  const rels: Relationship[] = [...facts.group(BN, 'g1'), ...facts.group(BN, 'g2')];
  for (let i = 0; i < 3000; i++) {
    const rep = `B${String(i).padStart(6, '0')}`;
    rels.push(facts.role(BN, rep, i % 2 ? 'senior_rep' : 'junior_rep'));
    if (i % 3 === 0) rels.push(facts.privilege(BN, rep, 'individual_clients'));
    if (i % 10 === 0) rels.push(facts.groupAssociation(BN, i % 20 ? 'g1' : 'g2', rep, 'member'));
  }
  const client = { type: 'trust' as const, key: 'T31415926' };
  rels.push(...facts.businessAuthorization(client, BN, 2), facts.clientInGroup(client, BN, 'g1'));
  for (let i = 0; i < rels.length; i += 1000) await put(t.store, rels.slice(i, i + 1000));
  const before = await collect(t.store.readRelationships({ resourceType: 'business', resourceId: BN }, FULL));
  expect(before.length).toBeGreaterThan(4000);

  expect(await api.check({ rep: 'BIGOWN1', permission: 'view', client: { type: 'trust', id: 'T31415926' }, consistency: { fullyConsistent: true } })).toBe(true);

  // the purge held at its first delete: the one status write has already ended everything
  let release!: () => void;
  gate = new Promise((r) => (release = r));
  const reached = new Promise<void>((r) => (purgeReached = r));
  const cancelling = api.as('rep:BIGOWN1', 'post', `/v1/businesses/${BN}/cancel`);
  await reached;
  const midway = await collect(t.store.readRelationships({ resourceType: 'business', resourceId: BN }, FULL));
  expect(midway.length).toBeGreaterThan(4000); // nothing purged yet
  expect(midway.map((r) => r.relation)).toContain('cancelled');
  expect(midway.map((r) => r.relation)).not.toContain('registered');
  const full = { fullyConsistent: true };
  expect(await api.check({ rep: 'BIGOWN1', permission: 'view', client: { type: 'trust', id: 'T31415926' }, consistency: full })).toBe(false);
  expect(await api.check({ rep: 'BIGOWN1', permission: 'manage_registration', business: BN, consistency: full })).toBe(false);
  expect((await api.as('rep:BIGOWN1', 'put', `/v1/businesses/${BN}/employees/NEWREP1`, { role: 'junior_rep' })).status).toBe(403);
  gate = undefined;
  release();
  const res = await cancelling;
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('cancelled');

  const left = await collect(t.store.readRelationships({ resourceType: 'business', resourceId: BN }, FULL));
  expect(left.map((r) => r.relation).sort()).toEqual(['cancelled', 'name']);
  const groups = await collect(t.store.readRelationships({ resourceType: 'bn_group' }, FULL));
  expect(groups.filter((r) => r.resource.id.startsWith(BN))).toEqual([]);
  const records = await collect(t.store.readRelationships({ resourceType: 'authorization', resourceId: `trust_T31415926_${BN}` }, FULL));
  expect(records.map((r) => r.relation)).toEqual(['business']); // the authorization stays, the group assignment goes
  expect(await api.check({ rep: 'B000001', permission: 'view', client: { type: 'trust', id: 'T31415926' } })).toBe(false);
  process.stdout.write(`cancel-at-scale: ${before.length} firm relationships removed after one atomic status change\n`);
});
