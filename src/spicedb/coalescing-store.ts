// Check coalescing: single checks that arrive close together (by default, in the same turn of the
// event loop) are sent to SpiceDB as one CheckBulkPermissions call, and each caller gets its own
// answer back. Batches are bounded in size and wait, and kept apart per consistency requirement
// (a fully consistent check never rides in a minimize-latency batch). Why: an embedded check is a
// synchronous FFI call that holds the event loop for about a millisecond, while inside a bulk call
// a check costs a few tens of microseconds; over gRPC, one call instead of many saves round trips.
// Failure stays per caller: a failed batch fails every check in it (fail closed), a failed item
// fails only its caller.
//
// Under load, batches grow by themselves: at most maxInFlight bulk calls run at once (on the
// embedded engine, one per core is what it can use), and checks that arrive meanwhile gather in
// the open batch (up to maxBatch; full batches queue in order) until a call returns. With
// maxWaitMs, a batch opened while a bulk call is out waits that long for company (more checks a
// call cost SpiceDB less each). At low load nothing waits: a batch opened while no call is out goes
// at the end of its turn, whatever maxWaitMs says.
//
// A check waits for a call slot no longer than maxQueueMs: should SpiceDB stop answering (each
// call then ends at its own deadline), the batches queued behind the stuck calls fail with a
// timeout (503) instead of waiting their turn for ever while more arrive.
import { StoreTimeoutError } from '../domain/errors.js';
import type { AuthzStore, CheckAnswer, CheckQuery, Consistency } from '../domain/store-port.js';

export interface CoalescingOptions {
  /** at most this many checks per CheckBulkPermissions call */
  maxBatch: number;
  /**
   * 0: flush at the end of the current event-loop turn; otherwise a batch opened while a bulk
   * call is out waits at most this long (one opened while none is out goes at the end of its turn)
   */
  maxWaitMs: number;
  /** at most this many bulk calls at once (0: no bound); the rest gather and wait their turn */
  maxInFlight?: number;
  /** told each batch's size as it is sent (the batch-size metric) */
  onBatch?: (size: number) => void;
  /** a batch not sent this long after it opened fails with a timeout (default: 30 s) */
  maxQueueMs?: number;
}

const MAX_QUEUE_MS_DEFAULT = 30_000;

interface Waiting {
  query: CheckQuery;
  resolve: (a: CheckAnswer) => void;
  reject: (e: Error) => void;
}

interface Batch {
  consistency: Consistency;
  items: Waiting[];
  /** handed over: sent, or queued to be sent */
  sent: boolean;
  /** its time has come; it goes as soon as a call slot is free */
  ready: boolean;
  /** when its time came (a counter): batches go in that order, full or not */
  dueAt?: number;
  /** when it opened (ms): a batch still waiting for a slot maxQueueMs later times out */
  openedAt: number;
}

const keyOf = (c: Consistency) => (c.kind === 'atLeastAsFresh' ? `fresh:${c.token}` : c.kind === 'atExactSnapshot' ? `exact:${c.token}` : c.kind);

export function coalesceChecks(inner: AuthzStore, options: CoalescingOptions): AuthzStore {
  const open = new Map<string, Batch>();
  /** batches due to go, in the order they became due, waiting for a free call slot */
  const due: Batch[] = [];
  const maxInFlight = options.maxInFlight && options.maxInFlight > 0 ? options.maxInFlight : Infinity;
  let inFlight = 0;
  let dueCount = 0;
  const maxQueueMs = options.maxQueueMs ?? MAX_QUEUE_MS_DEFAULT;
  /** runs while batches wait for a call slot: fails those waiting longer than maxQueueMs */
  let sweeper: NodeJS.Timeout | undefined;
  const expire = (b: Batch) => {
    const err = new StoreTimeoutError(`CheckBulkPermissions: no call to SpiceDB could be made within ${maxQueueMs} ms (the calls before it did not return)`);
    for (const i of b.items) i.reject(err);
  };
  const sweep = () => {
    const cutoff = Date.now() - maxQueueMs;
    for (let k = due.length - 1; k >= 0; k--) {
      if (due[k]!.openedAt <= cutoff) expire(due.splice(k, 1)[0]!);
    }
    for (const [key, b] of open) {
      if (b.ready && b.openedAt <= cutoff) {
        open.delete(key);
        b.sent = true;
        expire(b);
      }
    }
    if (due.length === 0 && !anyReady()) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const anyReady = () => {
    for (const b of open.values()) if (b.ready) return true;
    return false;
  };
  const watchQueue = () => {
    if (sweeper) return;
    sweeper = setInterval(sweep, Math.max(10, Math.min(1000, maxQueueMs / 4)));
    sweeper.unref();
  };

  const send = (batch: Batch) => {
    inFlight++;
    const items = batch.items;
    options.onBatch?.(items.length);
    inner
      .checkBulk(
        items.map((i) => i.query),
        batch.consistency,
      )
      .then(
        ({ results, checkedAt }) => {
          results.forEach((r, i) => {
            if ('allowed' in r) items[i]!.resolve({ allowed: r.allowed, checkedAt });
            else items[i]!.reject(r.error);
          });
        },
        (err: Error) => {
          for (const i of items) i.reject(err);
        },
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  };

  const pump = () => {
    while (inFlight < maxInFlight) {
      // the batch whose time came first: a full one queued, or an open one whose time has come
      // (it keeps taking checks while it waits for a slot). In that order only: were full ones
      // always first, a batch that never fills (a fully consistent check, a token's checks) could
      // wait for ever behind a steady stream of full ones.
      let waiting: [string, Batch] | undefined;
      for (const entry of open) {
        if (entry[1].ready && (!waiting || entry[1].dueAt! < waiting[1].dueAt!)) waiting = entry;
      }
      const queued = due[0];
      if (queued && (!waiting || queued.dueAt! < waiting[1].dueAt!)) {
        send(due.shift()!);
        continue;
      }
      if (!waiting) break;
      open.delete(waiting[0]);
      waiting[1].sent = true;
      send(waiting[1]);
    }
    // every slot taken and batches left waiting: watch how long they wait
    if (inFlight >= maxInFlight && (due.length > 0 || anyReady())) watchQueue();
  };

  /** the batch's time has come (end of turn, wait elapsed, or full) */
  const flush = (key: string, batch: Batch, full = false) => {
    if (batch.sent) return; // already sent or queued
    // a batch keeps the time it first became due (ready, then full while it waited)
    batch.dueAt ??= dueCount++;
    if (full) {
      batch.sent = true;
      if (open.get(key) === batch) open.delete(key);
      // in order of dueAt (a ready batch that filled while it waited goes before those after it)
      const at = due.findIndex((b) => b.dueAt! > batch.dueAt!);
      if (at === -1) due.push(batch);
      else due.splice(at, 0, batch);
    } else {
      batch.ready = true;
    }
    pump();
  };

  const check = (query: CheckQuery, consistency: Consistency): Promise<CheckAnswer> =>
    new Promise((resolve, reject) => {
      const key = keyOf(consistency);
      let batch = open.get(key);
      if (!batch) {
        const fresh: Batch = { consistency, items: [], sent: false, ready: false, openedAt: Date.now() };
        open.set(key, fresh);
        batch = fresh;
        if (options.maxWaitMs > 0 && inFlight > 0) setTimeout(() => flush(key, fresh), options.maxWaitMs);
        else setImmediate(() => flush(key, fresh));
      }
      batch.items.push({ query, resolve, reject });
      if (batch.items.length >= options.maxBatch) flush(key, batch, true);
    });

  return {
    kind: inner.kind,
    check,
    checkWithTrace: (q, c) => inner.checkWithTrace(q, c),
    checkBulk: (q, c) => inner.checkBulk(q, c),
    write: (u, o) => inner.write(u, o),
    deleteRelationships: (f, o) => inner.deleteRelationships(f, o),
    readRelationships: (f, c) => inner.readRelationships(f, c),
    lookupResources: (q, c) => inner.lookupResources(q, c),
    lookupSubjects: (q, c) => inner.lookupSubjects(q, c),
    readSchema: () => inner.readSchema(),
    writeSchema: (s) => inner.writeSchema(s),
    close: () => inner.close(),
  };
}
