// The embedded engine under a burst (it always runs embedded, whatever the suite's backend): calls
// run on worker threads, and more of them at once than koffi accepts (256) must wait their turn,
// not fail.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { AuthzStore } from '../src/domain/store-port.js';
import { openStore } from '../src/spicedb/index.js';
import { schemaText } from './support/store.js';

let store: AuthzStore;
beforeAll(async () => {
  store = await openStore({ backend: 'embedded' }, schemaText());
});
afterAll(async () => {
  await store.close();
});

it('600 concurrent writes and 600 concurrent checks all succeed', async () => {
  const bn = (i: number) => String(300000000 + i);
  const writes = await Promise.allSettled(
    Array.from({ length: 600 }, (_, i) =>
      store.write([{ operation: 'touch', relationship: { resource: { type: 'business', id: bn(i) }, relation: 'owner', subject: { type: 'rep', id: `BURST${String(i % 100).padStart(2, '0')}` } } }]),
    ),
  );
  expect(writes.filter((w) => w.status === 'rejected')).toEqual([]);
  const checks = await Promise.all(
    Array.from({ length: 600 }, (_, i) =>
      store.checkBulk([{ resource: { type: 'business', id: bn(i) }, permission: 'in_force_owners', subject: { type: 'rep', id: `BURST${String(i % 100).padStart(2, '0')}` } }], { kind: 'fullyConsistent' }),
    ),
  );
  expect(checks.map((c) => c.results[0])).toEqual(Array.from({ length: 600 }, () => ({ allowed: true })));
});
