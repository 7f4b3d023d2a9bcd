// Closing a store never hangs the process. On the embedded backends the engine runs in this
// process and serves its streaming calls (lookups, reads) to this process's own gRPC client over a
// local socket: stopping it while a stream is open, or while the client has not yet let go of a
// finished one, waits for that client, which needs the event loop. A close that blocks the event
// loop meanwhile never returns (it hung CI in a test file's afterAll; here, about one run in 25 of
// test/lookups.test.ts).
// Each case runs the engine the suite runs (the package's, rac-authz's own build, or a server).
import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../src/domain/errors.js';
import * as facts from '../src/domain/facts.js';
import { repObject, type ClientKey } from '../src/domain/objects.js';
import type { AuthzStore, Relationship } from '../src/domain/store-port.js';
import { FULL, openTestStore, put } from './support/store.js';

const BN = '111111118';
const CLIENTS = 3000;

async function storeWithClients(): Promise<AuthzStore> {
  const store = await openTestStore();
  const rels: Relationship[] = [facts.registered(BN), facts.role(BN, 'OWN0001', 'owner')];
  for (let i = 0; i < CLIENTS; i++) {
    const c: ClientKey = { type: 'business', key: String(800000000 + i) };
    rels.push(...facts.businessAuthorization(c, BN, 3));
  }
  for (let i = 0; i < rels.length; i += 900) await put(store, rels.slice(i, i + 900));
  return store;
}

/**
 * resolves with how long `run` took, or rejects once `ms` have passed; the clock starts before
 * `run` is called, so a call that holds the event loop before returning its promise is timed too
 */
async function within<T>(ms: number, run: () => Promise<T>): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not done after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - started;
}

const lookup = (store: AuthzStore) =>
  store.lookupResources({ resourceType: 'business_client', permission: 'view', subject: repObject('OWN0001') }, FULL)[Symbol.asyncIterator]();

describe('closing a store', () => {
  it('returns while a lookup stream is still open, and the stream then fails (UNAVAILABLE)', async () => {
    const store = await storeWithClients();
    const it = lookup(store);
    const first = await it.next();
    expect(first.done).toBe(false); // the stream is open: 2,999 more clients behind this one
    expect(await within(5_000, () => store.close())).toBeLessThan(5_000);
    // the open stream does not hang either, nor end as if its list were whole: it fails
    const rest = (async () => {
      try {
        for (let r = await it.next(); !r.done; r = await it.next());
      } catch (err) {
        return err;
      }
      return 'ended without an error';
    })();
    await within(5_000, () => rest);
    expect(await rest).toBeInstanceOf(StoreUnavailableError);
  });

  it('returns right after lookups that finished (over and over)', async () => {
    for (let round = 0; round < 8; round++) {
      const store = await openTestStore();
      await put(store, [facts.registered(BN), facts.role(BN, 'OWN0001', 'owner'), ...facts.businessAuthorization({ type: 'business', key: '800000001' }, BN, 3)]);
      for (let i = 0; i < 20; i++) {
        const ids: string[] = [];
        for await (const r of store.lookupResources({ resourceType: 'business_client', permission: 'view', subject: repObject('OWN0001') }, FULL)) ids.push(r.id);
        expect(ids).toEqual(['800000001']);
      }
      expect(await within(5_000, () => store.close())).toBeLessThan(5_000);
    }
  });
});
