// ReadRelationships page by page: a read larger than a page is several calls, each resuming from
// the last one's cursor (the embedded package's streams end at 30 s, which cut a large export),
// with every relationship once, at the revision asked.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { v1 } from '@authzed/authzed-node';
import * as facts from '../src/domain/facts.js';
import { collect } from '../src/domain/firm-state.js';
import { startEmbedded } from '../src/spicedb/embedded.js';
import type { SpiceDbApi } from '../src/spicedb/spicedb-api.js';
import { SpiceDbStore } from '../src/spicedb/spicedb-store.js';
import { schemaText } from './support/store.js';

let api: SpiceDbApi;
let store: SpiceDbStore;
const calls: v1.ReadRelationshipsRequest[] = [];
const BN = '975310864';
const reps = (from: number, n: number) => Array.from({ length: n }, (_, i) => `PAGE${String(from + i).padStart(3, '0')}`);

beforeAll(async () => {
  api = await startEmbedded();
  const counted: SpiceDbApi = { ...api, readRelationships: (req) => (calls.push(req), api.readRelationships(req)) };
  store = new SpiceDbStore('embedded', counted, { readPage: 3 });
  await store.writeSchema(schemaText());
});
afterAll(async () => {
  await store.close();
});

it('reads every relationship once, three to a call, each call resuming from the last cursor; at an exact revision across pages', async () => {
  const { token: first } = await store.write(reps(0, 10).map((r) => ({ operation: 'touch', relationship: facts.role(BN, r, 'junior_rep') })));
  await store.write(reps(10, 4).map((r) => ({ operation: 'touch', relationship: facts.role(BN, r, 'junior_rep') })));

  calls.length = 0;
  const all = await collect(store.readRelationships({ resourceType: 'business', resourceId: BN }, { kind: 'fullyConsistent' }));
  expect(all.map((r) => r.subject.id).sort()).toEqual(reps(0, 14));
  expect(calls.map((c) => c.optionalLimit)).toEqual([3, 3, 3, 3, 3]);
  expect(calls[0]!.optionalCursor).toBeUndefined();
  expect(calls.slice(1).every((c) => c.optionalCursor !== undefined)).toBe(true);

  // at the first write's revision, across pages: the second write's four are in no page
  const then = await collect(store.readRelationships({ resourceType: 'business', resourceId: BN }, { kind: 'atExactSnapshot', token: first }));
  expect(then.map((r) => r.subject.id).sort()).toEqual(reps(0, 10));
});
