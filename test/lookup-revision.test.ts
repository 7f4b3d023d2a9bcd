// One listing of a rep's clients, all types (individual, business, trust), is read at one
// revision: a type begun after the listing's first result is asked at exactly the revision that
// result was looked up at, on this page and on later ones (the cursor carries it), and a type's
// SpiceDB cursor is resumed under the consistency it was issued with.
import { expect, it } from '@jest/globals';
import { LookupService } from '../src/domain/lookups.js';
import type { AuthzStore, Consistency, LookupResourcesQuery } from '../src/domain/store-port.js';

/** a store whose clients are two of each type, all looked up at revision "R1" */
function store() {
  const asked: Array<{ type: string; cursor?: string; consistency: Consistency }> = [];
  const s = {
    lookupResources: async function* (q: LookupResourcesQuery, consistency: Consistency) {
      asked.push({ type: q.resourceType, ...(q.cursor ? { cursor: q.cursor } : {}), consistency });
      const ids = ['a', 'b'];
      const from = q.cursor ? ids.indexOf(q.cursor.split(':')[1]!) + 1 : 0;
      for (const id of ids.slice(from, from + (q.limit ?? ids.length))) yield { id: `${q.resourceType}-${id}`, cursor: `${q.resourceType}:${id}`, lookedUpAt: 'R1' };
    },
  } as unknown as AuthzStore;
  return { asked, service: new LookupService(s, (x: string) => x) };
}

const page = async (service: LookupService, consistency: Consistency, cursor?: string) => {
  const clients: string[] = [];
  const next = await service.clientsOfRep({ repId: 'JREP001', permission: 'view', limit: 3, ...(cursor ? { cursor } : {}) }, consistency, async (c) => void clients.push(c.id));
  return { clients, next };
};

it('types begun after the first result are asked at exactly its revision, on the page and the next', async () => {
  const { asked, service } = store();
  const ML: Consistency = { kind: 'minimizeLatency' };
  const first = await page(service, ML);
  expect(first.clients).toEqual(['individual_client-a', 'individual_client-b', 'business_client-a']);
  expect(asked).toEqual([
    { type: 'individual_client', consistency: ML },
    { type: 'business_client', consistency: { kind: 'atExactSnapshot', token: 'R1' } },
  ]);
  asked.length = 0;
  const second = await page(service, ML, first.next!);
  expect(second.clients).toEqual(['business_client-b', 'trust_client-a', 'trust_client-b']);
  // the business type's cursor was issued at R1: resumed so; the trust type begun at R1 too
  expect(asked).toEqual([
    { type: 'business_client', cursor: 'business_client:a', consistency: { kind: 'atExactSnapshot', token: 'R1' } },
    { type: 'trust_client', consistency: { kind: 'atExactSnapshot', token: 'R1' } },
  ]);
});

it("a type's cursor issued under the caller's consistency is resumed under it; the next type is asked at the listing's revision", async () => {
  const { asked, service } = store();
  const fresh: Consistency = { kind: 'atLeastAsFresh', token: 'T0' };
  const two = async (cursor?: string) =>
    service.clientsOfRep({ repId: 'JREP001', permission: 'view', limit: 2, ...(cursor ? { cursor } : {}) }, cursor ? { kind: 'minimizeLatency' } : fresh, async () => undefined);
  const next = await two();
  expect(asked).toEqual([{ type: 'individual_client', consistency: fresh }]);
  asked.length = 0;
  await two(next!);
  expect(asked).toEqual([
    { type: 'individual_client', cursor: 'individual_client:b', consistency: fresh },
    { type: 'business_client', consistency: { kind: 'atExactSnapshot', token: 'R1' } },
  ]);
});
