// Check coalescing: concurrent single checks become bulk calls, bounded in size, kept apart by
// consistency, answered in order; failures stay with the checks they concern.
import { describe, expect, it } from '@jest/globals';
import { StoreTimeoutError, StoreUnavailableError } from '../src/domain/errors.js';
import type { AuthzStore, CheckQuery, Consistency } from '../src/domain/store-port.js';
import { coalesceChecks } from '../src/spicedb/coalescing-store.js';

/** a stand-in engine: allows a check when the subject id starts with "Y"; records each bulk call */
function fakeStore(fail?: (qs: CheckQuery[]) => Error | undefined) {
  const calls: Array<{ size: number; consistency: Consistency }> = [];
  const store = {
    kind: 'embedded',
    check: async () => {
      throw new Error('single checks must be coalesced');
    },
    checkBulk: async (qs: CheckQuery[], consistency: Consistency) => {
      calls.push({ size: qs.length, consistency });
      const err = fail?.(qs);
      if (err) throw err;
      return {
        checkedAt: `rev${calls.length}`,
        results: qs.map((q) => (q.permission === 'broken' ? { error: new StoreUnavailableError('item') } : { allowed: q.subject.id.startsWith('Y') })),
      };
    },
  } as unknown as AuthzStore;
  return { store, calls };
}
const q = (id: string, permission = 'view'): CheckQuery => ({ resource: { type: 'trust_client', id: 'T1' }, permission, subject: { type: 'rep', id } });
const ML: Consistency = { kind: 'minimizeLatency' };

describe('coalescing', () => {
  it('gathers the checks of one event-loop turn into one bulk call and answers each in order', async () => {
    const { store, calls } = fakeStore();
    const s = coalesceChecks(store, { maxBatch: 100, maxWaitMs: 0 });
    const ids = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? `Y${i}` : `N${i}`));
    const answers = await Promise.all(ids.map((id) => s.check(q(id), ML)));
    expect(calls).toEqual([{ size: 50, consistency: ML }]);
    expect(answers.map((a) => a.allowed)).toEqual(ids.map((id) => id.startsWith('Y')));
    expect(answers.every((a) => a.checkedAt === 'rev1')).toBe(true);
  });

  it('never sends more than maxBatch checks in one call', async () => {
    const { store, calls } = fakeStore();
    const told: number[] = [];
    const s = coalesceChecks(store, { maxBatch: 10, maxWaitMs: 0, onBatch: (n) => told.push(n) });
    await Promise.all(Array.from({ length: 35 }, (_, i) => s.check(q(`Y${i}`), ML)));
    expect(calls.map((c) => c.size)).toEqual([10, 10, 10, 5]);
    // each batch's size is told as it is sent (the batch-size metric)
    expect(told).toEqual([10, 10, 10, 5]);
  });

  it('keeps consistency requirements apart', async () => {
    const { store, calls } = fakeStore();
    const s = coalesceChecks(store, { maxBatch: 100, maxWaitMs: 0 });
    const full: Consistency = { kind: 'fullyConsistent' };
    const fresh: Consistency = { kind: 'atLeastAsFresh', token: 'abc' };
    await Promise.all([s.check(q('Y1'), ML), s.check(q('Y2'), full), s.check(q('Y3'), fresh), s.check(q('Y4'), ML), s.check(q('Y5'), { kind: 'atLeastAsFresh', token: 'other' })]);
    expect(calls.map((c) => [c.consistency, c.size])).toEqual([
      [ML, 2],
      [full, 1],
      [fresh, 1],
      [{ kind: 'atLeastAsFresh', token: 'other' }, 1],
    ]);
  });

  it('under load (a bulk call out), waits up to maxWaitMs, gathering checks across turns', async () => {
    const { store, calls } = fakeStore();
    const slow = { ...store, checkBulk: async (qs: CheckQuery[], c: Consistency) => {
      const answer = await store.checkBulk(qs, c);
      await new Promise((r) => setTimeout(r, 50));
      return answer;
    } } as AuthzStore;
    const s = coalesceChecks(slow, { maxBatch: 100, maxWaitMs: 20 });
    const out = s.check(q('Y0'), ML);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1); // no call was out: it went at the end of its turn
    const a = s.check(q('Y1'), ML);
    await new Promise((r) => setTimeout(r, 5));
    const b = s.check(q('N2'), ML);
    expect(calls).toHaveLength(1); // a call is out: the new batch waits for company
    expect((await a).allowed).toBe(true);
    expect((await b).allowed).toBe(false);
    expect((await out).allowed).toBe(true);
    expect(calls.map((c) => c.size)).toEqual([1, 2]);
  });

  it('at low load (no call out), a check goes at the end of its turn whatever maxWaitMs says', async () => {
    const { store, calls } = fakeStore();
    const s = coalesceChecks(store, { maxBatch: 100, maxWaitMs: 1000 });
    const started = Date.now();
    const [a, b] = await Promise.all([s.check(q('Y1'), ML), s.check(q('N2'), ML)]);
    expect(Date.now() - started).toBeLessThan(500);
    expect([a.allowed, b.allowed]).toEqual([true, false]);
    expect(calls.map((c) => c.size)).toEqual([2]);
  });

  it('a failed bulk call fails every check in it (fail closed); a failed item fails only its own', async () => {
    const down = fakeStore(() => new StoreUnavailableError('down'));
    const s1 = coalesceChecks(down.store, { maxBatch: 100, maxWaitMs: 0 });
    const r1 = await Promise.allSettled([s1.check(q('Y1'), ML), s1.check(q('Y2'), ML)]);
    expect(r1.map((r) => r.status)).toEqual(['rejected', 'rejected']);

    const partial = fakeStore();
    const s2 = coalesceChecks(partial.store, { maxBatch: 100, maxWaitMs: 0 });
    const r2 = await Promise.allSettled([s2.check(q('Y1'), ML), s2.check(q('Y2', 'broken'), ML), s2.check(q('N3'), ML)]);
    expect(r2.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((r2[0] as PromiseFulfilledResult<{ allowed: boolean }>).value.allowed).toBe(true);
    expect((r2[2] as PromiseFulfilledResult<{ allowed: boolean }>).value.allowed).toBe(false);
  });

  it('with maxInFlight, checks that arrive while the engine is busy gather into the next call', async () => {
    const { store, calls } = fakeStore();
    // an engine that takes a while per call
    const slow = { ...store, checkBulk: async (qs: CheckQuery[], c: Consistency) => {
      await new Promise((r) => setTimeout(r, 30));
      return store.checkBulk(qs, c);
    } } as AuthzStore;
    const s = coalesceChecks(slow, { maxBatch: 100, maxWaitMs: 0, maxInFlight: 1 });
    const first = [s.check(q('Y1'), ML), s.check(q('N2'), ML)];
    const later: Array<Promise<{ allowed: boolean }>> = [];
    // five more turns while the first call is in flight
    for (let turn = 0; turn < 5; turn++) {
      await new Promise((r) => setImmediate(r));
      later.push(s.check(q(`Y${10 + turn}`), ML), s.check(q(`N${20 + turn}`), ML));
    }
    const answers = await Promise.all([...first, ...later]);
    expect(calls.map((c) => c.size)).toEqual([2, 10]);
    expect(answers.map((a) => a.allowed)).toEqual([true, false, ...Array.from({ length: 5 }, () => [true, false]).flat()]);
  });

  it('with maxInFlight, full batches queue in order and every check is answered', async () => {
    const { store, calls } = fakeStore();
    let running = 0;
    let most = 0;
    const slow = { ...store, checkBulk: async (qs: CheckQuery[], c: Consistency) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return store.checkBulk(qs, c);
    } } as AuthzStore;
    const s = coalesceChecks(slow, { maxBatch: 10, maxWaitMs: 0, maxInFlight: 2 });
    const ids = Array.from({ length: 95 }, (_, i) => (i % 2 ? `Y${i}` : `N${i}`));
    const answers = await Promise.all(ids.map((id) => s.check(q(id), ML)));
    expect(answers.map((a) => a.allowed)).toEqual(ids.map((id) => id.startsWith('Y')));
    expect(most).toBe(2);
    expect(calls.map((c) => c.size)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
  });
  it('batches go in the order their time came: one that never fills is not starved by a steady stream of full ones', async () => {
    const sent: string[] = [];
    const release: Array<() => void> = [];
    const inner = {
      kind: 'embedded',
      checkBulk: (qs: CheckQuery[], c: Consistency) => {
        sent.push(`${c.kind}x${qs.length}`);
        return new Promise((resolve) => release.push(() => resolve({ checkedAt: 'r', results: qs.map(() => ({ allowed: false })) })));
      },
    } as unknown as AuthzStore;
    const turn = () => new Promise((r) => setImmediate(r));
    const s = coalesceChecks(inner, { maxBatch: 2, maxWaitMs: 0, maxInFlight: 1 });
    void s.check(q('A0'), ML);
    await turn();
    let fcDone = false;
    void s.check(q('F1'), { kind: 'fullyConsistent' }).then(() => (fcDone = true));
    await turn(); // its time has come; no slot is free
    let rounds = 0;
    for (; rounds < 50 && !fcDone; rounds++) {
      // steady load: a full minimize-latency batch arrives with each call that completes
      void s.check(q(`M${rounds}a`), ML);
      void s.check(q(`M${rounds}b`), ML);
      release.shift()!();
      await turn();
      await turn();
    }
    expect(fcDone).toBe(true);
    expect(sent.slice(0, 2)).toEqual(['minimizeLatencyx1', 'fullyConsistentx1']);
    for (const r of release) r();
  });

  it('a check that cannot get a call slot within maxQueueMs (the calls before it never return) fails with a timeout, not an endless wait', async () => {
    const calls: number[] = [];
    const stuck = {
      kind: 'embedded',
      checkBulk: (qs: CheckQuery[]) => {
        calls.push(qs.length);
        return new Promise(() => {}); // an engine that stopped answering (its own deadline is not in this stand-in)
      },
    } as unknown as AuthzStore;
    const s = coalesceChecks(stuck, { maxBatch: 100, maxWaitMs: 0, maxInFlight: 1, maxQueueMs: 100 });
    void s.check(q('Y1'), ML); // takes the one slot, and never returns
    await new Promise((r) => setImmediate(r));
    const started = Date.now();
    const queued = await s.check(q('Y2'), ML).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(queued).toBeInstanceOf(StoreTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toEqual([1]); // the queued check never went
    // and a later one times out the same way (the queue does not grow for ever)
    await expect(s.check(q('Y3'), ML)).rejects.toBeInstanceOf(StoreTimeoutError);
  });
});
