// The AuthzStore port implemented on SpiceDB v1. Backend-neutral: it takes a SpiceDbApi
// (embedded or server) and owns request building, answer decoding and error mapping.
import { v1 } from '@authzed/authzed-node';
import type {
  AuthzStore,
  BulkCheckAnswer,
  CheckAnswer,
  CheckQuery,
  Consistency,
  DeleteOptions,
  LookupResourcesQuery,
  LookupSubjectsQuery,
  Relationship,
  RelationshipFilter,
  RelationshipUpdate,
  TraceNode,
  WriteOptions,
} from '../domain/store-port.js';
import { StoreInternalError, StoreUnavailableError } from '../domain/errors.js';
import { toDomainError } from './errors.js';
import * as rq from './requests.js';
import type { SpiceDbApi } from './spicedb-api.js';

const DELETE_PAGE = 1000;
/**
 * A lookup stream (LookupResources, LookupSubjects) that sends nothing for this long is cancelled
 * and asked again, at most LOOKUP_ATTEMPTS times in all. SpiceDB's LookupResources can stall for
 * good (its task runners waiting on one another; seen on SpiceDB v1.54.0 and v1.57.1, about once
 * in 75,000 small paged lookups); a first result normally comes in well under a second, even
 * for 10,000 clients among a million relationships.
 */
const LOOKUP_STALL_MS = 10_000;
const LOOKUP_ATTEMPTS = 3;
const UNAVAILABLE = 14; // google.rpc.Code
const HAS = v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
const CONDITIONAL = v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION;
const NO = v1.CheckPermissionResponse_Permissionship.NO_PERMISSION;

/**
 * Decodes a permissionship. The schema has no caveats, so CONDITIONAL cannot happen; if it ever
 * does (a schema change), it is not a yes: fail closed with an error instead.
 */
function isAllowed(p: v1.CheckPermissionResponse_Permissionship, operation: string): boolean {
  if (p === CONDITIONAL) throw new StoreInternalError(`${operation}: SpiceDB answered conditionally (the schema has no caveats)`);
  if (p === HAS) return true;
  if (p === NO) return false;
  // unspecified (an empty answer) is no answer: never read as a denial, still less as a yes
  throw new StoreInternalError(`${operation}: SpiceDB gave no answer (permissionship ${p})`);
}

/**
 * Is this SpiceDB pair the answer to this check? SpiceDB places each pair by its request, in
 * request order; a pair naming another check (a regression, a proxy that reorders) is no answer
 * to this one, whatever it says.
 */
function answers(pair: v1.CheckBulkPermissionsPair, q: CheckQuery): boolean {
  const r = pair.request;
  return (
    r !== undefined &&
    r.permission === q.permission &&
    r.resource?.objectType === q.resource.type &&
    r.resource.objectId === q.resource.id &&
    r.subject?.object?.objectType === q.subject.type &&
    r.subject.object.objectId === q.subject.id &&
    (r.subject.optionalRelation ?? '') === (q.subject.relation ?? '')
  );
}

/** a write's token: an answer without one did not say the write is done */
function writtenAt(token: string | undefined, operation: string): string {
  if (!token) throw new StoreInternalError(`${operation}: SpiceDB answered without a revision`);
  return token;
}

// authzed.api.v1.CheckDebugTrace (debug.proto; the package does not export its enums)
type DebugTrace = NonNullable<NonNullable<v1.CheckPermissionResponse['debugTrace']>['check']>;
const TRACE_HAS = 2; // PERMISSIONSHIP_HAS_PERMISSION
const TRACE_CONDITIONAL = 3; // PERMISSIONSHIP_CONDITIONAL_PERMISSION
const TRACE_RELATION = 1; // PERMISSION_TYPE_RELATION

function toTraceNode(t: DebugTrace): TraceNode {
  return {
    // a batched sub-problem names its objects' ids joined by commas
    resource: { type: t.resource?.objectType ?? '', ids: (t.resource?.objectId ?? '').split(',') },
    name: t.permission,
    kind: t.permissionType === TRACE_RELATION ? 'relation' : 'permission',
    result: t.result === TRACE_HAS ? 'has' : t.result === TRACE_CONDITIONAL ? 'conditional' : 'no',
    children: t.resolution.oneofKind === 'subProblems' ? t.resolution.subProblems.traces.map(toTraceNode) : [],
    ...(t.resolution.oneofKind === 'wasCachedResult' && t.resolution.wasCachedResult ? { cached: true } : {}),
  };
}

export interface SpiceDbStoreOptions {
  /** how long a lookup stream may send nothing before it is asked again (tests shorten it) */
  lookupStallMs?: number;
  /**
   * how long a read (one page of ReadRelationships) may wait for SpiceDB's next message before it
   * fails UNAVAILABLE: a server's SPICEDB_DEADLINE_MS; READ_WAIT_MS otherwise
   */
  readWaitMs?: number;
  /** relationships one ReadRelationships call returns at most (tests shorten it) */
  readPage?: number;
}

/**
 * Relationships one ReadRelationships call returns at most (SpiceDB's default maximum, which the
 * package's engine cannot change): a larger read is several calls, each resuming from the last
 * one's cursor, so no stream lives long (the embedded package's streams end at 30 s, which cut an
 * export at a few hundred thousand relationships).
 */
const READ_PAGE = 1000;
/** the embedded engines' wait for a read's next message (their checks' fixed deadline) */
const READ_WAIT_MS = 30_000;

/** a lookup or read stream that sent nothing for its limit */
class LookupStalled extends Error {}

/** the iterator's next result, or LookupStalled (then `onStall` is called) once `ms` pass without one */
async function nextWithin<T>(it: AsyncIterator<T>, ms: number, onStall: () => void): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const next = it.next();
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new LookupStalled()); // settled first: the race reports the stall, not its aftermath
      onStall();
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([next, stall]);
  } finally {
    clearTimeout(timer);
    next.catch(() => undefined); // a stalled call's own failure (cancelled) comes later
  }
}

export class SpiceDbStore implements AuthzStore {
  private readonly lookupStallMs: number;
  private readonly readPage: number;
  private readonly readWaitMs: number;

  constructor(
    readonly kind: 'embedded' | 'server',
    private readonly api: SpiceDbApi,
    options: SpiceDbStoreOptions = {},
  ) {
    this.lookupStallMs = options.lookupStallMs ?? LOOKUP_STALL_MS;
    this.readPage = options.readPage ?? READ_PAGE;
    this.readWaitMs = options.readWaitMs ?? READ_WAIT_MS;
  }

  async check(query: CheckQuery, consistency: Consistency): Promise<CheckAnswer> {
    let res: v1.CheckPermissionResponse;
    try {
      res = await this.api.checkPermission(rq.checkRequest(query, consistency));
    } catch (err) {
      throw toDomainError(err, 'CheckPermission');
    }
    return { allowed: isAllowed(res.permissionship, 'CheckPermission'), checkedAt: res.checkedAt?.token ?? '' };
  }

  async checkWithTrace(query: CheckQuery, consistency: Consistency): Promise<CheckAnswer & { trace?: TraceNode }> {
    let res: v1.CheckPermissionResponse;
    try {
      res = await this.api.checkPermission({ ...rq.checkRequest(query, consistency), withTracing: true });
    } catch (err) {
      throw toDomainError(err, 'CheckPermission');
    }
    const trace = res.debugTrace?.check ? toTraceNode(res.debugTrace.check) : undefined;
    return { allowed: isAllowed(res.permissionship, 'CheckPermission'), checkedAt: res.checkedAt?.token ?? '', ...(trace ? { trace } : {}) };
  }

  async checkBulk(queries: CheckQuery[], consistency: Consistency): Promise<BulkCheckAnswer> {
    let res: v1.CheckBulkPermissionsResponse;
    try {
      res = await this.api.checkBulkPermissions(rq.bulkRequest(queries, consistency));
    } catch (err) {
      throw toDomainError(err, 'CheckBulkPermissions');
    }
    if (res.pairs.length !== queries.length) {
      // SpiceDB answered, but not what was asked: a fault between it and us, not an outage
      throw new StoreInternalError(`CheckBulkPermissions: ${res.pairs.length} answers for ${queries.length} checks`);
    }
    // SpiceDB answers pairs in request order; each is held to the check it answers
    const pairs = await this.reaskUnavailable(queries, consistency, res.pairs);
    const results = pairs.map((pair, i) => {
      if (!answers(pair, queries[i]!)) return { error: new StoreInternalError('CheckBulkPermissions: an answer names another check than the one asked') };
      if (pair.response.oneofKind === 'item') {
        try {
          return { allowed: isAllowed(pair.response.item.permissionship, 'CheckBulkPermissions') };
        } catch (err) {
          return { error: err as Error };
        }
      }
      if (pair.response.oneofKind === 'error') return { error: toDomainError({ code: pair.response.error.code }, 'CheckBulkPermissions') };
      // neither an answer nor an error: SpiceDB answered, but not what was asked (never a yes)
      return { error: new StoreInternalError('CheckBulkPermissions: an item with neither an answer nor an error') };
    });
    return { results, checkedAt: res.checkedAt?.token ?? '' };
  }

  /**
   * A bulk item SpiceDB answered UNAVAILABLE (in a cluster: the node it dispatched to went away
   * mid-check) is asked once more, with the others like it: a check only reads. An item that
   * fails again keeps its error (503).
   */
  private async reaskUnavailable(
    queries: CheckQuery[],
    consistency: Consistency,
    pairs: v1.CheckBulkPermissionsPair[],
  ): Promise<v1.CheckBulkPermissionsPair[]> {
    const again = pairs.flatMap((p, i) => (p.response.oneofKind === 'error' && p.response.error.code === UNAVAILABLE ? [i] : []));
    if (again.length === 0) return pairs;
    let res: v1.CheckBulkPermissionsResponse;
    try {
      res = await this.api.checkBulkPermissions(rq.bulkRequest(again.map((i) => queries[i]!), consistency));
    } catch {
      return pairs;
    }
    if (res.pairs.length !== again.length) return pairs;
    const out = [...pairs];
    again.forEach((i, k) => (out[i] = res.pairs[k]!));
    return out;
  }

  async write(updates: RelationshipUpdate[], options: WriteOptions = {}): Promise<{ token: string }> {
    try {
      const res = await this.api.writeRelationships(rq.writeRequest(updates, options.preconditions, options.metadata));
      return { token: writtenAt(res.writtenAt?.token, 'WriteRelationships') };
    } catch (err) {
      throw toDomainError(err, 'WriteRelationships');
    }
  }

  async deleteRelationships(filter: RelationshipFilter, options: DeleteOptions = {}): Promise<{ token: string }> {
    // Page by DELETE_PAGE so a filter matching thousands of relationships stays within the
    // engine's per-call limit; each page is atomic, the whole is not (callers use this only for
    // clean-ups no rule depends on, after an atomic write that already took the effect away).
    try {
      for (;;) {
        const res = await this.api.deleteRelationships(
          v1.DeleteRelationshipsRequest.create({
            relationshipFilter: rq.relationshipFilter(filter),
            optionalLimit: DELETE_PAGE,
            optionalAllowPartialDeletions: true,
            optionalPreconditions: rq.preconditionsOf(options.preconditions),
            ...rq.transactionMetadata(options.metadata),
          }),
        );
        if (res.deletionProgress !== v1.DeleteRelationshipsResponse_DeletionProgress.PARTIAL) {
          return { token: writtenAt(res.deletedAt?.token, 'DeleteRelationships') };
        }
      }
    } catch (err) {
      throw toDomainError(err, 'DeleteRelationships');
    }
  }

  async *lookupResources(query: LookupResourcesQuery, consistency: Consistency): AsyncIterable<{ id: string; cursor: string; lookedUpAt?: string }> {
    let cursor = query.cursor;
    const ask = (signal: AbortSignal) =>
      this.api.lookupResources(
        v1.LookupResourcesRequest.create({
          consistency: rq.consistency(consistency),
          resourceObjectType: query.resourceType,
          permission: query.permission,
          subject: rq.subjectRef(query.subject),
          optionalLimit: query.limit ?? 0,
          ...(cursor ? { optionalCursor: { token: cursor } } : {}),
        }),
        signal,
      );
    for await (const r of this.unstalled('LookupResources', ask)) {
      // a stalled stream is asked again from here (the same limit: a cursor is bound to it)
      if (r.afterResultCursor?.token) cursor = r.afterResultCursor.token;
      // CONDITIONAL cannot happen without caveats; if it ever does, it is not a yes
      if (r.permissionship !== v1.LookupPermissionship.HAS_PERMISSION) continue;
      yield { id: r.resourceObjectId, cursor: r.afterResultCursor?.token ?? '', ...(r.lookedUpAt?.token ? { lookedUpAt: r.lookedUpAt.token } : {}) };
    }
  }

  async *lookupSubjects(query: LookupSubjectsQuery, consistency: Consistency): AsyncIterable<string> {
    const req = v1.LookupSubjectsRequest.create({
      consistency: rq.consistency(consistency),
      resource: rq.objectRef(query.resource),
      permission: query.permission,
      subjectObjectType: query.subjectType,
    });
    // LookupSubjects has no cursor: a stalled stream is asked again from the start, and what was
    // already given is left out (a client's reps are at most a firm's employees)
    const given = new Set<string>();
    for await (const r of this.unstalled('LookupSubjects', (signal) => this.api.lookupSubjects(req, signal))) {
      const s = r.subject;
      if (!s || s.permissionship !== v1.LookupPermissionship.HAS_PERMISSION) continue;
      if (s.subjectObjectId === '*') continue; // a wildcard names no one in particular
      if (given.has(s.subjectObjectId)) continue;
      given.add(s.subjectObjectId);
      yield s.subjectObjectId;
    }
  }

  /**
   * A lookup stream guarded against stalls: `ask` opens it (again after a stall, when the caller's
   * state says where to go on from); one that sends nothing for the stall limit is cancelled and
   * asked again, LOOKUP_ATTEMPTS times in all, then the lookup fails UNAVAILABLE. Only the wait
   * for SpiceDB is timed, never the consumer's time between results.
   */
  private async *unstalled<R>(call: string, ask: (signal: AbortSignal) => AsyncIterable<R>): AsyncIterable<R> {
    for (let attempt = 1; ; attempt++) {
      const cancel = new AbortController();
      const it = ask(cancel.signal)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const r = await nextWithin(it, this.lookupStallMs, () => cancel.abort());
          if (r.done) return;
          yield r.value;
        }
      } catch (err) {
        if (!(err instanceof LookupStalled)) throw toDomainError(err, call);
        if (attempt >= LOOKUP_ATTEMPTS) {
          const failed = new StoreUnavailableError(`${call}: SpiceDB sent nothing for ${this.lookupStallMs} ms, ${attempt} times`);
          failed.cause = err;
          throw failed;
        }
      } finally {
        // let go of the stream: needed when the consumer stopped early, a no-op after its end
        cancel.abort();
        void Promise.resolve(it.return?.()).catch(() => undefined);
      }
    }
  }

  async *readRelationships(filter: RelationshipFilter, consistency: Consistency): AsyncIterable<Relationship> {
    // page by page: SpiceDB's cursor resumes the read at the revision the first page was read at
    let cursor: v1.Cursor | undefined;
    for (;;) {
      const req = v1.ReadRelationshipsRequest.create({
        consistency: rq.consistency(consistency),
        relationshipFilter: rq.relationshipFilter(filter),
        optionalLimit: this.readPage,
        ...(cursor ? { optionalCursor: cursor } : {}),
      });
      let read = 0;
      // each wait for SpiceDB's next message is bounded (a SpiceDB that accepts the call but never
      // answers fails it UNAVAILABLE, as a unary call's deadline would); the consumer's own time
      // between relationships is not
      const cancel = new AbortController();
      const it = this.api.readRelationships(req, cancel.signal)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const r = await nextWithin(it, this.readWaitMs, () => cancel.abort());
          if (r.done) break;
          read++;
          cursor = r.value.afterResultCursor;
          if (r.value.relationship) yield rq.fromRelationship(r.value.relationship);
        }
      } catch (err) {
        if (!(err instanceof LookupStalled)) throw toDomainError(err, 'ReadRelationships');
        const failed = new StoreUnavailableError(`ReadRelationships: SpiceDB sent nothing for ${this.readWaitMs} ms`);
        failed.cause = err;
        throw failed;
      } finally {
        // let go of the stream: needed when the consumer stopped early, a no-op after its end
        cancel.abort();
        void Promise.resolve(it.return?.()).catch(() => undefined);
      }
      if (read < this.readPage || !cursor) return;
    }
  }

  async readSchema(): Promise<string> {
    try {
      return await this.api.readSchema();
    } catch (err) {
      throw toDomainError(err, 'ReadSchema');
    }
  }

  async writeSchema(schema: string): Promise<void> {
    try {
      await this.api.writeSchema(schema);
    } catch (err) {
      throw toDomainError(err, 'WriteSchema');
    }
  }

  async close(): Promise<void> {
    await this.api.close();
  }
}
