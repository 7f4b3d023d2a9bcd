// A lookup whose stream goes silent is asked again: LookupResources from its last result,
// LookupSubjects (which has no cursor) from the start, leaving out what was already given. SpiceDB's LookupResources can
// stall: seen here on both embedded engines (SpiceDB v1.54.0 and v1.57.1), about once in 25 runs of
// test/lookups.test.ts (some 3,000 small paged lookups), its goroutines waiting on one another
// inside the engine (gdb: LookupResources2's task runners, each in WaitGroup.Wait) and the stream
// open for good. The store cancels a stream that sends nothing for a while and asks again from
// the cursor of the last result it received, a few times at most; then the lookup fails
// (UNAVAILABLE): a client list is never cut short silently, and never waits forever.
import { v1 } from '@authzed/authzed-node';
import { describe, expect, it } from '@jest/globals';
import { StoreUnavailableError } from '../src/domain/errors.js';
import type { SpiceDbApi } from '../src/spicedb/spicedb-api.js';
import { SpiceDbStore } from '../src/spicedb/spicedb-store.js';

const FULL = { kind: 'fullyConsistent' } as const;
const HAS = v1.LookupPermissionship.HAS_PERMISSION;
const found = (id: string) =>
  v1.LookupResourcesResponse.create({ resourceObjectId: id, permissionship: HAS, afterResultCursor: { token: `after-${id}` } });

type Script = { ids: string[]; then: 'end' | 'silence' };

/**
 * One call's stream as a script says: its results, then either the end of the stream or silence
 * (until the call is cancelled through its signal, which `cancelled` counts).
 */
function play<R>(script: Script, result: (id: string) => R, signal: AbortSignal | undefined, cancelled: () => void): AsyncIterable<R> {
  return (async function* () {
    for (const id of script.ids) yield result(id);
    if (script.then === 'end') return;
    await new Promise<void>((_, reject) =>
      signal?.addEventListener('abort', () => {
        cancelled();
        reject(Object.assign(new Error('1 CANCELLED: Cancelled on client'), { code: 1 }));
      }),
    );
  })();
}
const SILENCE: Script = { ids: [], then: 'silence' };

/** A SpiceDB whose LookupResources answers each call with the next script. */
function scripted(...scripts: Script[]) {
  const asked: Array<{ cursor: string | undefined; limit: number }> = [];
  let cancelled = 0;
  const api = {
    lookupResources: (req: v1.LookupResourcesRequest, signal?: AbortSignal) => {
      asked.push({ cursor: req.optionalCursor?.token, limit: req.optionalLimit });
      return play(scripts.shift() ?? SILENCE, found, signal, () => cancelled++);
    },
  } as unknown as SpiceDbApi;
  return { store: new SpiceDbStore('embedded', api, { lookupStallMs: 100 }), asked, cancelled: () => cancelled };
}

const lookup = async (store: SpiceDbStore, cursor?: string) => {
  const out: string[] = [];
  for await (const r of store.lookupResources(
    { resourceType: 'business_client', permission: 'view', subject: { type: 'rep', id: 'OWN0001' }, limit: 5, ...(cursor ? { cursor } : {}) },
    FULL,
  )) {
    out.push(r.id);
  }
  return out;
};

describe('a lookup stream that goes silent', () => {
  it('is cancelled and asked again from the last result received; the list comes whole', async () => {
    const { store, asked, cancelled } = scripted({ ids: ['a', 'b'], then: 'silence' }, { ids: ['c', 'd', 'e'], then: 'end' });
    expect(await lookup(store, 'start')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(asked).toEqual([
      { cursor: 'start', limit: 5 },
      { cursor: 'after-b', limit: 5 },
    ]);
    expect(cancelled()).toBe(1);
  });

  it('silent before its first result, it is asked again from where it started', async () => {
    const { store, asked } = scripted({ ids: [], then: 'silence' }, { ids: ['a'], then: 'end' });
    expect(await lookup(store)).toEqual(['a']);
    expect(asked.map((a) => a.cursor)).toEqual([undefined, undefined]);
  });

  it('silent again and again, the lookup fails UNAVAILABLE: never a short list, never a wait without end', async () => {
    const { store, asked, cancelled } = scripted({ ids: ['a'], then: 'silence' });
    const started = Date.now();
    const err = await lookup(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(asked.length).toBe(3);
    expect(cancelled()).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a consumer that takes its time is not a stall: only the wait for SpiceDB counts', async () => {
    const { store, asked } = scripted({ ids: ['a', 'b', 'c'], then: 'end' });
    const out: string[] = [];
    for await (const r of store.lookupResources({ resourceType: 'business_client', permission: 'view', subject: { type: 'rep', id: 'OWN0001' } }, FULL)) {
      out.push(r.id);
      await new Promise((r) => setTimeout(r, 250)); // longer than the stall limit, between results
    }
    expect(out).toEqual(['a', 'b', 'c']);
    expect(asked).toHaveLength(1);
  });
});

const subject = (id: string) =>
  v1.LookupSubjectsResponse.create({ subject: { subjectObjectId: id, permissionship: HAS } });

/** as scripted(), for LookupSubjects */
function scriptedSubjects(...scripts: Script[]) {
  let asked = 0;
  let cancelled = 0;
  const api = {
    lookupSubjects: (_req: v1.LookupSubjectsRequest, signal?: AbortSignal) => {
      asked++;
      return play(scripts.shift() ?? SILENCE, subject, signal, () => cancelled++);
    },
  } as unknown as SpiceDbApi;
  return { store: new SpiceDbStore('embedded', api, { lookupStallMs: 100 }), asked: () => asked, cancelled: () => cancelled };
}

const reps = async (store: SpiceDbStore, pause = 0) => {
  const out: string[] = [];
  for await (const id of store.lookupSubjects({ resource: { type: 'business_client', id: 'c1' }, permission: 'view', subjectType: 'rep' }, FULL)) {
    out.push(id);
    if (pause) await new Promise((r) => setTimeout(r, pause));
  }
  return out;
};

describe('a subject lookup (who can act for a client) that goes silent', () => {
  it('is cancelled and asked again from the start; what was already given is not given twice', async () => {
    const { store, asked, cancelled } = scriptedSubjects({ ids: ['R1', 'R2'], then: 'silence' }, { ids: ['R2', 'R1', 'R3'], then: 'end' });
    expect(await reps(store)).toEqual(['R1', 'R2', 'R3']);
    expect(asked()).toBe(2);
    expect(cancelled()).toBe(1);
  });

  it('silent again and again, it fails UNAVAILABLE: never a short list, never a wait without end', async () => {
    const { store, asked, cancelled } = scriptedSubjects({ ids: ['R1'], then: 'silence' });
    const started = Date.now();
    const err = await reps(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/^LookupSubjects: SpiceDB sent nothing for 100 ms, 3 times$/);
    expect(asked()).toBe(3);
    expect(cancelled()).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a consumer that takes its time is not a stall', async () => {
    const { store, asked } = scriptedSubjects({ ids: ['R1', 'R2', 'R3'], then: 'end' });
    expect(await reps(store, 250)).toEqual(['R1', 'R2', 'R3']);
    expect(asked()).toBe(1);
  });
});

describe('a relationship read (the state every admin command reads first) that goes silent', () => {
  const rel = (id: string) =>
    v1.ReadRelationshipsResponse.create({
      relationship: { resource: { objectType: 'business', objectId: '123456789' }, relation: 'junior_rep', subject: { object: { objectType: 'rep', objectId: id }, optionalRelation: '' } },
      afterResultCursor: { token: `after-${id}` },
    });
  function scriptedReads(script: Script) {
    let cancelled = 0;
    const api = { readRelationships: (_req: v1.ReadRelationshipsRequest, signal?: AbortSignal) => play(script, rel, signal, () => cancelled++) } as unknown as SpiceDbApi;
    return { store: new SpiceDbStore('server', api, { readWaitMs: 100 }), cancelled: () => cancelled };
  }
  const read = async (store: SpiceDbStore, pauseMs = 0) => {
    const out: string[] = [];
    for await (const r of store.readRelationships({ resourceType: 'business', resourceId: '123456789' }, FULL)) {
      out.push(r.subject.id);
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return out;
  };

  it('fails UNAVAILABLE once SpiceDB has sent nothing for the read wait (a server\'s SPICEDB_DEADLINE_MS), and the call is cancelled', async () => {
    const { store, cancelled } = scriptedReads({ ids: ['R1'], then: 'silence' });
    const started = Date.now();
    const err = await read(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe('ReadRelationships: SpiceDB sent nothing for 100 ms');
    expect(cancelled()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a consumer that takes its time is not a stall', async () => {
    const { store, cancelled } = scriptedReads({ ids: ['R1', 'R2', 'R3'], then: 'end' });
    expect(await read(store, 250)).toEqual(['R1', 'R2', 'R3']);
    expect(cancelled()).toBe(0);
  });
});
