// The embedded backend's decision cache: answers are reused only while nothing that could change
// them has happened (a write, a delete, a schema change, an expiry this process wrote), misses are
// asked at least as fresh as the newest write, and it fails closed.
import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../src/domain/errors.js';
import type { AuthzStore, CheckQuery, Consistency, Relationship } from '../src/domain/store-port.js';
import { cacheDecisions } from '../src/spicedb/decision-cache.js';

/** a stand-in engine over "subject may" facts (with their expiry); records the consistency of every call */
function fakeEngine(now: () => number = Date.now) {
  const facts = new Map<string, number>();
  const allowed = { has: (k: string) => (facts.get(k) ?? -Infinity) > now() };
  const asked: Array<{ n: number; consistency: Consistency }> = [];
  let revision = 0;
  let down = false;
  let slow: Promise<void> | undefined;
  const answer = (q: CheckQuery) => allowed.has(`${q.subject.id}:${q.resource.id}`);
  const engine = {
    kind: 'embedded',
    check: async (q: CheckQuery, consistency: Consistency) => {
      asked.push({ n: 1, consistency });
      // the answer is computed at the revision of the call; a held call delivers it later
      const allowedThen = answer(q);
      const checkedAt = `r${revision}`;
      if (slow) await slow;
      if (down) throw new StoreUnavailableError('down');
      return { allowed: allowedThen, checkedAt };
    },
    checkBulk: async (qs: CheckQuery[], consistency: Consistency) => {
      asked.push({ n: qs.length, consistency });
      if (down) throw new StoreUnavailableError('down');
      return { checkedAt: `r${revision}`, results: qs.map((q) => (q.permission === 'broken' ? { error: new StoreUnavailableError('item') } : { allowed: answer(q) })) };
    },
    checkWithTrace: async (q: CheckQuery) => ({ allowed: answer(q), checkedAt: `r${revision}` }),
    write: async (updates: Array<{ operation: string; relationship: Relationship }>) => {
      for (const u of updates) {
        const k = `${u.relationship.subject.id}:${u.relationship.resource.id}`;
        if (u.operation === 'delete') facts.delete(k);
        else facts.set(k, u.relationship.expiresAt?.getTime() ?? Infinity);
      }
      return { token: `r${++revision}` };
    },
    deleteRelationships: async () => {
      facts.clear();
      return { token: `r${++revision}` };
    },
    writeSchema: async () => {},
    readSchema: async () => {
      if (down) throw new StoreUnavailableError('down');
      return 'definition rep {}';
    },
    lookupResources: async function* () {
      yield { id: 'T1', cursor: 'c1' };
      if (down) throw new StoreUnavailableError('down');
      yield { id: 'T2', cursor: 'c2' };
    },
    close: async () => {
      down = true;
    },
  } as unknown as AuthzStore;
  return {
    engine,
    asked,
    setDown: (d: boolean) => (down = d),
    hold: () => {
      let release!: () => void;
      slow = new Promise((r) => (release = r));
      return () => {
        slow = undefined;
        release();
      };
    },
  };
}

const ML: Consistency = { kind: 'minimizeLatency' };
const q = (rep: string, client = 'T1', permission = 'view'): CheckQuery => ({ resource: { type: 'trust_client', id: client }, permission, subject: { type: 'rep', id: rep } });
const grant = (rep: string, client = 'T1', expiresAt?: Date) => ({
  operation: 'touch' as const,
  relationship: { resource: { type: 'trust_client', id: client }, relation: 'rep_level_1', subject: { type: 'rep', id: rep }, expiresAt },
});
const revoke = (rep: string, client = 'T1') => ({ ...grant(rep, client), operation: 'delete' as const });

describe('decision cache', () => {
  it('answers a repeated check without asking the engine, until a write', async () => {
    const f = fakeEngine();
    const counts: Record<string, number> = {};
    const s = cacheDecisions(f.engine, { maxEntries: 100, count: (r, n) => (counts[r] = (counts[r] ?? 0) + n) });
    await s.write([grant('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect(f.asked).toHaveLength(1);
    expect(counts).toEqual({ miss: 1, hit: 1 });
    await s.write([revoke('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    expect(f.asked).toHaveLength(2);
  });

  it('asks misses at least as fresh as the newest write (a minimize-latency snapshot could predate it)', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    const { token } = await s.write([grant('A')]);
    await s.check(q('A'), ML);
    await s.checkBulk([q('B'), q('C')], ML);
    expect(f.asked.map((a) => a.consistency)).toEqual([
      { kind: 'atLeastAsFresh', token },
      { kind: 'atLeastAsFresh', token },
    ]);
  });

  it("asks a caller's older token's misses at the newest write too (an answer at the older revision, kept, would outlive the writes after it)", async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    const { token: older } = await s.write([grant('A')]);
    const { token: newest } = await s.write([revoke('A')]);
    await s.check(q('A'), { kind: 'atLeastAsFresh', token: older });
    await s.checkBulk([q('B')], { kind: 'atLeastAsFresh', token: older });
    expect(f.asked.map((a) => a.consistency)).toEqual([
      { kind: 'atLeastAsFresh', token: newest },
      { kind: 'atLeastAsFresh', token: newest },
    ]);
  });

  it('keeps nothing after a write that failed (it may have landed) until a write succeeds', async () => {
    const f = fakeEngine();
    let landsThenFails = false;
    const engine = {
      ...f.engine,
      write: async (updates: Parameters<AuthzStore['write']>[0]) => {
        const written = await f.engine.write(updates);
        if (!landsThenFails) return written;
        landsThenFails = false;
        throw new StoreUnavailableError('a deadline passed after the commit');
      },
    } as AuthzStore;
    const s = cacheDecisions(engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    landsThenFails = true;
    await expect(s.write([revoke('A')])).rejects.toBeInstanceOf(StoreUnavailableError);
    const singles = () => f.asked.filter((a) => a.n === 1).length;
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    // both went to the engine: nothing is kept while the store's newest revision is unknown
    expect(singles()).toBe(2);
    // a write that succeeds says where the store is: answers are kept again
    await s.write([grant('B')]);
    await s.check(q('A'), ML);
    await s.check(q('A'), ML);
    expect(singles()).toBe(3);
  });

  it('does not keep an answer computed while a write completed', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    const release = f.hold();
    const inFlight = s.check(q('A'), ML);
    await s.write([revoke('A')]);
    release();
    // the engine answered at the revision before the revoke: that yes goes to its caller only
    expect((await inFlight).allowed).toBe(true);
    const asked = f.asked.length;
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    expect(f.asked.length).toBe(asked + 1);
  });

  it('around an expiry it wrote: emptied as it nears, not used until it has passed', async () => {
    let clock = 1_000_000;
    const f = fakeEngine(() => clock);
    const counts: Record<string, number> = {};
    const s = cacheDecisions(f.engine, { maxEntries: 100, now: () => clock, count: (r, n) => (counts[r] = (counts[r] ?? 0) + n) });
    const expiry = clock + 60_000;
    await s.write([grant('A', 'T1', new Date(expiry))]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect(f.asked).toHaveLength(1);
    // within the margin before the expiry: the engine still says yes, and that yes is not kept
    clock = expiry - 500;
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect((await s.checkBulk([q('A')], ML)).results).toEqual([{ allowed: true }]);
    expect(f.asked).toHaveLength(3);
    // past it: the engine's no, which is kept again once the margin after it has passed
    clock = expiry + 5_000;
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
    expect(f.asked).toHaveLength(4);
    expect(counts).toEqual({ miss: 2, hit: 2, bypass: 2 });
  });

  it('an answer asked before an expiry and received as it nears is not served after the expiry', async () => {
    let clock = 1_000_000;
    const f = fakeEngine(() => clock);
    const s = cacheDecisions(f.engine, { maxEntries: 100, now: () => clock });
    const expiry = clock + 60_000;
    await s.write([grant('A', 'T1', new Date(expiry))]);
    const release = f.hold();
    const inFlight = s.check(q('A'), ML);
    clock = expiry - 500;
    release();
    expect((await inFlight).allowed).toBe(true);
    clock = expiry + 5_000;
    expect((await s.check(q('A'), ML)).allowed).toBe(false);
  });

  it('sends fully consistent checks, traced checks and tokens it never saw to the engine', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    const { token } = await s.write([grant('A')]);
    await s.check(q('A'), ML);
    await s.check(q('A'), { kind: 'fullyConsistent' });
    await s.check(q('A'), { kind: 'atLeastAsFresh', token: 'from-elsewhere' });
    expect(f.asked).toHaveLength(3);
    // a token this process issued is satisfied by what it holds
    await s.check(q('A'), { kind: 'atLeastAsFresh', token });
    expect(f.asked).toHaveLength(3);
  });

  it('fails closed: errors are not cached, and an engine error empties the cache', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    f.setDown(true);
    await expect(s.check(q('Z'), ML)).rejects.toBeInstanceOf(StoreUnavailableError);
    // the cached "yes" for A is gone: while the engine cannot answer, nothing says yes
    await expect(s.check(q('A'), ML)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.checkBulk([q('A')], ML)).rejects.toBeInstanceOf(StoreUnavailableError);
    f.setDown(false);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
  });

  it.each([
    ['the readiness probe', (s: AuthzStore) => s.readSchema()],
    ['a lookup, mid-stream', async (s: AuthzStore) => {
      for await (const _ of s.lookupResources({ resourceType: 'trust_client', permission: 'view', subject: { type: 'rep', id: 'A' } } as never, ML));
    }],
  ])('fails closed: an engine error in %s empties the cache too', async (_what, fail) => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    f.setDown(true);
    await expect(fail(s)).rejects.toBeInstanceOf(StoreUnavailableError);
    // no check has failed yet, but the cached "yes" is gone
    await expect(s.check(q('A'), ML)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.checkBulk([q('A')], ML)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('fails closed: a bulk check that bypasses the cache (fully consistent) and meets an item error empties it too', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    const before = f.asked.length;
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect(f.asked.length).toBe(before); // from the cache
    const bulk = await s.checkBulk([q('A'), q('A', 'T1', 'broken')], { kind: 'fullyConsistent' });
    expect(bulk.results[1]).toHaveProperty('error');
    // the engine failed to answer an item: the next check goes to it, not to memory
    const asked = f.asked.length;
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    expect(f.asked.length).toBe(asked + 1);
  });

  it('once closed, answers nothing from memory', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A')]);
    expect((await s.check(q('A'), ML)).allowed).toBe(true);
    await s.close();
    await expect(s.check(q('A'), ML)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.checkBulk([q('A')], ML)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('bulk checks take what is cached and ask only for the rest, in order', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 100 });
    await s.write([grant('A'), grant('C')]);
    await s.check(q('A'), ML);
    const r = await s.checkBulk([q('A'), q('B'), q('C'), q('D', 'T1', 'broken')], ML);
    expect(r.results).toEqual([{ allowed: true }, { allowed: false }, { allowed: true }, { error: expect.any(StoreUnavailableError) }]);
    expect(f.asked.map((a) => a.n)).toEqual([1, 3]);
    // an item that failed empties the cache (fail closed), so A is asked again
    await s.check(q('A'), ML);
    expect(f.asked.map((a) => a.n)).toEqual([1, 3, 1]);
  });

  it('keeps at most maxEntries answers, the least recently used dropped first', async () => {
    const f = fakeEngine();
    const s = cacheDecisions(f.engine, { maxEntries: 2 });
    const askedFor = async (rep: string) => {
      const before = f.asked.length;
      await s.check(q(rep), ML);
      return f.asked.length - before;
    };
    expect(await askedFor('A')).toBe(1);
    expect(await askedFor('B')).toBe(1);
    expect(await askedFor('B')).toBe(0); // kept
    expect(await askedFor('C')).toBe(1); // a third: A, the least recently used, goes
    expect(await askedFor('C')).toBe(0);
    expect(await askedFor('B')).toBe(0);
    expect(await askedFor('A')).toBe(1); // gone; kept again, in place of C
    expect(await askedFor('B')).toBe(0);
    expect(await askedFor('C')).toBe(1);
  });
});
