// The embedded engine under a burst (it always runs embedded, whatever the suite's backend): calls
// run on worker threads, and more of them at once than koffi accepts (256) must wait their turn,
// not fail; whatever a write or a delete acknowledged, the next fully consistent check sees,
// however many writes ran beside it (the bundled memory datastore can commit concurrent writes
// out of revision order: embedded.ts); and an expiry takes effect at its instant. Runs on the
// engine the suite runs (SPICEDB_EMBEDDED_LIBRARY: rac-authz's own build).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuthzStore, Consistency, RelationshipUpdate } from '../src/domain/store-port.js';
import { openStore } from '../src/spicedb/index.js';
import { oneAtATime } from '../src/spicedb/embedded.js';
import { EMBEDDED, schemaText } from './support/store.js';

let store: AuthzStore;
beforeAll(async () => {
  store = await openStore(EMBEDDED, schemaText());
});
afterAll(async () => {
  await store.close();
});

const ownerOf = (bn: string, rep: string, operation: RelationshipUpdate['operation']): RelationshipUpdate => ({
  operation,
  relationship: { resource: { type: 'business', id: bn }, relation: 'owner', subject: { type: 'rep', id: rep } },
});
const isOwner = (bns: string[], rep: string) =>
  store.checkBulk(
    bns.map((bn) => ({ resource: { type: 'business', id: bn }, permission: 'in_force_owners', subject: { type: 'rep', id: rep } })),
    { kind: 'fullyConsistent' },
  );

it('600 concurrent writes and 600 concurrent checks all succeed', async () => {
  const bn = (i: number) => String(300000000 + i);
  const rep = (i: number) => `BURST${String(i % 100).padStart(2, '0')}`;
  const writes = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => store.write([ownerOf(bn(i), rep(i), 'touch')])));
  expect(writes.filter((w) => w.status === 'rejected')).toEqual([]);
  const checks = await Promise.all(Array.from({ length: 600 }, (_, i) => isOwner([bn(i)], rep(i))));
  expect(checks.map((c) => c.results[0])).toEqual(Array.from({ length: 600 }, () => ({ allowed: true })));
});

describe('an acknowledged change is seen by the next fully consistent check, among concurrent ones', () => {
  // 100 rounds of 8 concurrent writes, then 8 concurrent deletes. Without one write at a time,
  // about 1.5% of them were missed (measured: 32 to 45 of 2400 grants).
  const rounds = 100;
  const width = 8;
  const bns = (round: number) => Array.from({ length: width }, (_, i) => String(500000000 + round * 10 + i));

  it('grants', async () => {
    let missed = 0;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(bns(round).map((bn) => store.write([ownerOf(bn, 'RACE01', 'touch')])));
      const { results } = await isOwner(bns(round), 'RACE01');
      missed += results.filter((r) => !('allowed' in r) || !r.allowed).length;
    }
    expect(missed).toBe(0);
  });

  it('revocations (a missed one would still say yes)', async () => {
    let stillAllowed = 0;
    for (let round = 0; round < rounds; round++) {
      // what is revoked is there first (this test stands alone, not on the one before)
      await store.write(bns(round).map((bn) => ownerOf(bn, 'RACE01', 'touch')));
      expect((await isOwner(bns(round), 'RACE01')).results).toEqual(bns(round).map(() => ({ allowed: true })));
      await Promise.all(bns(round).map((bn) => store.write([ownerOf(bn, 'RACE01', 'delete')])));
      const { results } = await isOwner(bns(round), 'RACE01');
      stillAllowed += results.filter((r) => !('allowed' in r) || r.allowed).length;
    }
    expect(stillAllowed).toBe(0);
  });
});

it('an expired relationship grants nothing from the first check after its expiry, with no write after it', async () => {
  // SpiceDB's dispatch cache (on in rac-authz's own engine build) keeps sub-answers per revision
  // and knows nothing of expiries: without the engine's clock, the checks below warm it and it
  // keeps saying yes after the expiry, until some write moves the revision
  const expiresAt = new Date(Date.now() + 3000);
  const grant = { resource: { type: 'trust_client', id: 'T60000001' }, relation: 'rep_level_1', subject: { type: 'rep', id: 'EXPIRE1' }, expiresAt };
  const { token } = await store.write([{ operation: 'touch', relationship: grant }]);
  const ask = async (consistency: Consistency) =>
    (await store.check({ resource: grant.resource, permission: 'view', subject: grant.subject }, consistency)).allowed;
  // as the decision cache asks (a minimize-latency snapshot could predate the write)
  const fresh: Consistency = { kind: 'atLeastAsFresh', token };
  let answeredBefore = 0;
  while (Date.now() < expiresAt.getTime() - 800) {
    const allowed = await ask(fresh);
    // an answer received before the expiry was computed before it (a slow one may not have been)
    if (Date.now() < expiresAt.getTime()) {
      expect(allowed).toBe(true);
      answeredBefore++;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(answeredBefore).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now() + 5)));
  expect(await ask(fresh)).toBe(false);
  expect(await ask({ kind: 'minimizeLatency' })).toBe(false);
  expect(await ask({ kind: 'fullyConsistent' })).toBe(false);
});

describe('oneAtATime', () => {
  it('starts each call after the one before it has settled, failed or not', async () => {
    const serial = oneAtATime();
    const events: string[] = [];
    const step = (name: string, ms: number, fail = false) =>
      serial(async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([step('a', 20), step('b', 5, true), step('c', 1)]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
