// The decision cache, for the embedded engine only. There, rac-authz is the one writer of the
// datastore (SpiceDB runs inside this process on memory), so it knows exactly when an answer can
// change: when a write or delete completes, when the schema changes, and when a relationship it
// wrote with an expiry reaches it. Between those moments SpiceDB would give the same answer again,
// so the cache gives it without asking. It is never used with a SpiceDB server, which other
// instances write to (there SpiceDB's own dispatch cache serves).
//
// Rules, each tested in test/decision-cache.test.ts:
//  - an answer is cached only when it was computed at least as fresh as the last write this
//    process made (misses are asked with that token), and only if no write completed meanwhile;
//  - any completed write, delete or schema change empties the cache; so does the first check
//    within a margin before an expiry this process wrote, and until the margin after it has
//    passed, checks go to SpiceDB and their answers are not kept;
//  - fully consistent checks, traced checks and tokens this process did not see go to SpiceDB;
//  - fail closed: errors are never cached, and any engine error (a check's, a lookup's, a read's,
//    the readiness probe's schema read) empties the cache, so once SpiceDB has failed to answer,
//    every check goes to it until it answers again; once the store is closed the cache is emptied
//    and never used again. (A cached answer is what the engine, which nothing else writes, would
//    give again; the cache cannot know that the engine has failed before something asks it.)
import { LRUCache } from 'lru-cache';
import { ExpiryList } from './expiry-list.js';
import type { AuthzStore, BulkCheckAnswer, CheckAnswer, CheckOutcome, CheckQuery, Consistency, Relationship } from '../domain/store-port.js';

export interface DecisionCacheOptions {
  /** at most this many answers are kept (least recently used go first) */
  maxEntries: number;
  /** counts hit / miss / bypass */
  count?: (result: 'hit' | 'miss' | 'bypass', n: number) => void;
  /** the clock (tests move it) */
  now?: () => number;
}

/** the cache is not used from this long before an expiry this process wrote until this long after */
const EXPIRY_MARGIN_MS = 1000;
/** tokens remembered to recognise an at-least-as-fresh request as satisfied */
const KNOWN_TOKENS = 10_000;

const keyOf = (q: CheckQuery) =>
  `${q.resource.type}:${q.resource.id}#${q.permission}@${q.subject.type}:${q.subject.id}${q.subject.relation ? `#${q.subject.relation}` : ''}`;

/**
 * Around each expiry this process wrote, a window of ±margin in which the cache is not used:
 * SpiceDB's clock and ours may differ by a little, and an answer given just before an expiry
 * must not outlive it.
 */
class ExpiryWindows {
  private list = new ExpiryList();
  private inWindow = false;
  add(t: number) {
    this.list.add(t);
  }
  /**
   * At `now`: may the cache be used (no expiry within its margin), and must it be emptied first
   * (an expiry's window was just reached, or an expiry passed)?
   */
  state(now: number): { usable: boolean; empty: boolean } {
    const passed = this.list.dropBefore(now - EXPIRY_MARGIN_MS);
    const next = this.list.first();
    const near = next !== undefined && next - EXPIRY_MARGIN_MS <= now;
    const entered = near && !this.inWindow;
    this.inWindow = near;
    return { usable: !near, empty: passed > 0 || entered };
  }
}

export function cacheDecisions(inner: AuthzStore, options: DecisionCacheOptions): AuthzStore {
  const now = options.now ?? Date.now;
  const count = options.count ?? (() => {});
  const answers = new LRUCache<string, CheckAnswer>({ max: options.maxEntries });
  const known = new LRUCache<string, true>({ max: KNOWN_TOKENS });
  const expiries = new ExpiryWindows();
  /** bumped whenever the cache is emptied: an answer computed across a bump is not kept */
  let generation = 0;
  /** the newest revision this process wrote: misses are asked at least this fresh */
  let latest: string | undefined;
  /**
   * a write failed and may have landed (a deadline after the commit): `latest` may be older than
   * the store, so nothing is kept until a write succeeds and says where the store is
   */
  let uncertain = false;

  /** closed: nothing is answered from memory any more */
  let closed = false;

  const invalidate = () => {
    generation++;
    answers.clear();
  };
  const noteWrite = (token: string | undefined, relationships: Relationship[]) => {
    const t = now();
    for (const r of relationships) if (r.expiresAt && r.expiresAt.getTime() > t - EXPIRY_MARGIN_MS) expiries.add(r.expiresAt.getTime());
    if (token) {
      latest = token;
      known.set(token, true);
    }
    uncertain = token === undefined;
    invalidate();
  };
  /** may this request be answered from the cache? (also empties it when an expiry nears) */
  const usable = (consistency: Consistency): boolean => {
    if (closed || !clockAllows()) return false;
    if (consistency.kind === 'minimizeLatency') return true;
    if (consistency.kind === 'atLeastAsFresh') return known.has(consistency.token);
    return false;
  };
  /** false near an expiry this process wrote; empties the cache as one nears or passes */
  const clockAllows = (): boolean => {
    const { usable, empty } = expiries.state(now());
    if (empty) invalidate();
    return usable;
  };
  /**
   * Misses are asked at least as fresh as the newest write, so what they answer may be kept. A
   * caller's own token is replaced too: every token this process knows is one of its writes or an
   * answer at one, none newer than the newest write, so the answer is at least as fresh as the
   * caller asked; asked at the caller's older token, the engine answers at that older revision,
   * and that answer, kept, would outlive the writes after it (a revoked "yes" served on).
   */
  const fillConsistency = (consistency: Consistency): Consistency => (latest ? { kind: 'atLeastAsFresh', token: latest } : consistency);
  const remember = (key: string, answer: CheckAnswer, since: number) => {
    known.set(answer.checkedAt, true);
    if (clockAllows() && since === generation && !uncertain) answers.set(key, answer);
  };
  const failed = (err: unknown): never => {
    invalidate();
    throw err;
  };
  /** a stream whose failure empties the cache like any other engine error */
  async function* guarded<T>(stream: AsyncIterable<T>): AsyncIterable<T> {
    try {
      yield* stream;
    } catch (err) {
      failed(err);
    }
  }

  const check = async (query: CheckQuery, consistency: Consistency): Promise<CheckAnswer> => {
    if (!usable(consistency)) {
      count('bypass', 1);
      return inner.check(query, consistency).catch(failed);
    }
    const key = keyOf(query);
    const hit = answers.get(key);
    if (hit) {
      count('hit', 1);
      return hit;
    }
    count('miss', 1);
    const since = generation;
    const answer = await inner.check(query, fillConsistency(consistency)).catch(failed);
    remember(key, answer, since);
    return answer;
  };

  const checkBulk = async (queries: CheckQuery[], consistency: Consistency): Promise<BulkCheckAnswer> => {
    if (!usable(consistency)) {
      count('bypass', queries.length);
      const answer = await inner.checkBulk(queries, consistency).catch(failed);
      // an item SpiceDB could not answer is an engine error like any other: the cache empties
      if (answer.results.some((r) => 'error' in r)) invalidate();
      return answer;
    }
    const results: CheckOutcome[] = new Array(queries.length);
    const keys = queries.map(keyOf);
    const missing: number[] = [];
    let checkedAt = latest ?? '';
    keys.forEach((key, i) => {
      const hit = answers.get(key);
      if (hit) {
        results[i] = { allowed: hit.allowed };
        checkedAt = hit.checkedAt;
      } else missing.push(i);
    });
    count('hit', queries.length - missing.length);
    if (missing.length === 0) return { results, checkedAt };
    count('miss', missing.length);
    const since = generation;
    const asked = await inner.checkBulk(
      missing.map((i) => queries[i]!),
      fillConsistency(consistency),
    ).catch(failed);
    let itemFailed = false;
    asked.results.forEach((r, j) => {
      const i = missing[j]!;
      results[i] = r;
      if ('allowed' in r) remember(keys[i]!, { allowed: r.allowed, checkedAt: asked.checkedAt }, since);
      else itemFailed = true;
    });
    if (itemFailed) invalidate();
    return { results, checkedAt: asked.checkedAt };
  };

  return {
    kind: inner.kind,
    check,
    checkBulk,
    checkWithTrace: (q, c) => inner.checkWithTrace(q, c).catch(failed),
    write: async (updates, o) => {
      try {
        const r = await inner.write(updates, o);
        noteWrite(r.token, updates.map((u) => u.relationship));
        return r;
      } catch (err) {
        // it may have landed (a deadline passed after the commit): assume it did
        noteWrite(undefined, updates.map((u) => u.relationship));
        throw err;
      }
    },
    deleteRelationships: async (f, o) => {
      try {
        const r = await inner.deleteRelationships(f, o);
        noteWrite(r.token, []);
        return r;
      } catch (err) {
        noteWrite(undefined, []);
        throw err;
      }
    },
    readRelationships: (f, c) => guarded(inner.readRelationships(f, c)),
    lookupResources: (q, c) => guarded(inner.lookupResources(q, c)),
    lookupSubjects: (q, c) => guarded(inner.lookupSubjects(q, c)),
    readSchema: () => inner.readSchema().catch(failed),
    writeSchema: async (s) => {
      try {
        await inner.writeSchema(s);
      } finally {
        invalidate();
      }
    },
    close: () => {
      closed = true;
      invalidate();
      return inner.close();
    },
  };
}
