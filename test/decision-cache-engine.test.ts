// The decision cache on the real embedded engine (the only backend it serves, so this file runs
// the embedded engine under both suites): repeated minimize-latency checks agree with SpiceDB
// before and after writes, and an expiry ends a cached "yes" with no write after it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import { clientObject, repObject, type ClientKey } from '../src/domain/objects.js';
import type { AuthzStore, Consistency } from '../src/domain/store-port.js';
import { createMetrics } from '../src/metrics.js';
import { DEFAULT_DECISION_CACHE_SIZE, openStore, serviceStore } from '../src/spicedb/index.js';
import { EMBEDDED, schemaText } from './support/store.js';

const ML: Consistency = { kind: 'minimizeLatency' };
let store: AuthzStore;
const metrics = createMetrics();
const counts = async () => Object.fromEntries((await metrics.decisionCache.get()).values.map((v) => [String(v.labels.result), v.value]));

beforeAll(async () => {
  const raw = await openStore(EMBEDDED, schemaText());
  store = serviceStore(raw, metrics, { maxBatch: 100, maxWaitMs: 0 }, DEFAULT_DECISION_CACHE_SIZE);
});
afterAll(async () => {
  await store.close();
});

let n = 0;
const trust = (): ClientKey => ({ type: 'trust', key: `T${String(70000000 + n++).padStart(8, '0')}` });
const ask = async (rep: string, permission: string, c: ClientKey) =>
  (await store.check({ resource: clientObject(c), permission, subject: repObject(rep) }, ML)).allowed;
const put = (rels: ReturnType<typeof facts.repAuthorization>[]) => store.write(rels.map((relationship) => ({ operation: 'touch' as const, relationship })));

describe('decision cache on the embedded engine', () => {
  it('a check asked with a token older than the newest write never leaves an old answer in the cache', async () => {
    const c = trust();
    const q = { resource: clientObject(c), permission: 'view', subject: repObject('DCOLD01') };
    const { token: granted } = await store.write([{ operation: 'touch', relationship: facts.repAuthorization(c, 'DCOLD01', 1) }]);
    const { token: revoked } = await store.write([{ operation: 'delete', relationship: facts.repAuthorization(c, 'DCOLD01', 1) }]);
    // a caller holding the older token asks first (any answer at least as fresh as it is right)
    await store.check(q, { kind: 'atLeastAsFresh', token: granted });
    // then nobody may be told yes: not with the revoke's token, not at minimize-latency, not in bulk
    expect((await store.check(q, { kind: 'atLeastAsFresh', token: revoked })).allowed).toBe(false);
    expect((await store.check(q, ML)).allowed).toBe(false);
    expect((await store.checkBulk([q], ML)).results).toEqual([{ allowed: false }]);
    await store.checkBulk([q], { kind: 'atLeastAsFresh', token: granted });
    expect((await store.checkBulk([q], { kind: 'atLeastAsFresh', token: revoked })).results).toEqual([{ allowed: false }]);
  });

  it('answers repeats from memory and follows every write', async () => {
    const c = trust();
    await put([facts.repAuthorization(c, 'DCACHE1', 1)]);
    const before = await counts();
    expect(await ask('DCACHE1', 'view', c)).toBe(true);
    expect(await ask('DCACHE1', 'view', c)).toBe(true);
    expect(await ask('DCACHE1', 'update', c)).toBe(false);
    const after = await counts();
    expect((after.hit ?? 0) - (before.hit ?? 0)).toBe(1);
    // level 1 → 2: the cached "no" for update must not survive the write
    await put([facts.repAuthorization(c, 'DCACHE1', 2)]);
    await store.write([{ operation: 'delete', relationship: facts.repAuthorization(c, 'DCACHE1', 1) }]);
    expect(await ask('DCACHE1', 'update', c)).toBe(true);
    await store.write([{ operation: 'delete', relationship: facts.repAuthorization(c, 'DCACHE1', 2) }]);
    expect(await ask('DCACHE1', 'view', c)).toBe(false);
  });

  it('a cached "yes" ends at the expiry, with no write after it', async () => {
    const c = trust();
    await put([facts.repAuthorization(c, 'DCACHE2', 2, new Date(Date.now() + 2500))]);
    const before = await counts();
    expect(await ask('DCACHE2', 'view', c)).toBe(true);
    expect(await ask('DCACHE2', 'view', c)).toBe(true);
    // the second "yes" came from memory (so the expiry below is the cache's to honour)
    expect(((await counts()).hit ?? 0) - (before.hit ?? 0)).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await ask('DCACHE2', 'view', c)).toBe(false);
    expect(await ask('DCACHE2', 'update', c)).toBe(false);
  });
});
