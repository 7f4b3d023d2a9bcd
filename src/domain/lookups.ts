// Lookups: the clients a representative reaches (paged by cursor, streamed from SpiceDB as they
// arrive, never held whole in memory) and the representatives who reach a client.
import { createHash, timingSafeEqual } from 'node:crypto';
import { CLIENT_TYPES, type ClientId, type ClientType } from './identifiers.js';
import { InvalidRequestError, StoreRejectedError } from './errors.js';
import { CLIENT_OBJECT_TYPES, clientObject, repObject, resolveClient } from './objects.js';
import type { Pseudonymizer } from './pseudonym.js';
import type { AuthzStore, Consistency } from './store-port.js';

export interface ClientPageQuery {
  repId: string;
  permission: string;
  /** one type, or every type in the order individual, business, trust */
  type?: ClientType;
  limit: number;
  cursor?: string;
}

/**
 * where a page stopped: the digest of the query it belongs to, the index of the client type, and
 * SpiceDB's cursor within it; signed (`m`)
 */
interface PageCursor {
  q: string;
  /**
   * the service's signature of the query and every other field: a cursor names a revision to read
   * at (`s`), so one made by hand could list a rep's clients as they were at any revision SpiceDB
   * still keeps, a revoked or expired authorization's among them
   */
  m?: string;
  t: number;
  c?: string;
  /** the consistency the first page was asked with, when not the default (SpiceDB's cursor holds its revision) */
  k?: Consistency;
  /**
   * the revision the listing was looked up at (its first result's): a type begun after the first
   * is asked at exactly it, so every type of one listing is read at one revision
   */
  s?: string;
  /** `c` was issued by a call asked at exactly `s` (and is resumed so) */
  x?: 1;
}

const DEFAULT_CONSISTENCY: Consistency = { kind: 'minimizeLatency' };
const sameConsistency = (a: Consistency, b: Consistency) => a.kind === b.kind && (a.kind !== 'atLeastAsFresh' || a.token === (b as { token: string }).token);
const isConsistency = (k: unknown): k is Consistency => {
  const c = k as { kind?: unknown; token?: unknown };
  if (typeof c !== 'object' || c === null) return false;
  if (c.kind === 'atLeastAsFresh') return typeof c.token === 'string' && c.token.length > 0 && c.token.length <= 1024 && Object.keys(c).length === 2;
  return (c.kind === 'fullyConsistent' || c.kind === 'minimizeLatency') && Object.keys(c).length === 1;
};

/**
 * The query a cursor belongs to, in short: SpiceDB resumes a cursor only with the arguments it
 * was issued for, and `t` indexes the types of one type filter. A digest, so the cursor carries
 * no RepID in clear.
 */
function queryDigest(q: ClientPageQuery): string {
  return createHash('sha256').update(JSON.stringify([q.repId, q.permission, q.type ?? null, q.limit])).digest('base64url').slice(0, 16);
}

/**
 * The cursor's signature: an HMAC-SHA-256 under the service's pseudonym key (through the
 * pseudonymizer, whose input here, `cursor:…`, is never a SIN's), over the query and the cursor's
 * fields, 128 bits of it. Every facade that shares the key accepts the others' cursors; nobody
 * without it can make one.
 */
function cursorMac(sign: Pseudonymizer, q: ClientPageQuery, c: Omit<PageCursor, 'm'>): string {
  return sign(`cursor:${JSON.stringify([q.repId, q.permission, q.type ?? null, q.limit, c.q, c.t, c.c ?? null, c.k ?? null, c.s ?? null, c.x ?? null])}`).slice(0, 32);
}

const badCursor = (why: string) => new InvalidRequestError(`The cursor ${why}; ask for the first page without one.`, [{ path: 'cursor', message: 'is not a cursor of this query' }]);

function encodeCursor(sign: Pseudonymizer, q: ClientPageQuery, at: { t: number; c?: string; s?: string; x?: 1 }, consistency: Consistency): string {
  const k = consistency.kind === 'minimizeLatency' ? {} : { k: consistency };
  const body = { q: queryDigest(q), ...at, ...k } satisfies PageCursor;
  return Buffer.from(JSON.stringify({ ...body, m: cursorMac(sign, q, body) } satisfies PageCursor)).toString('base64url');
}

const isToken = (t: unknown): t is string => typeof t === 'string' && t.length > 0 && t.length <= 1024;

/**
 * The consistency a page after the first is asked with: SpiceDB resumes a cursor only under the
 * consistency of the call that issued it. A caller that sends none gets the first page's (so only
 * the first page needs RAC-At-Least-As-Fresh); one that sends another is told so (a 400: a
 * newer token than the first page's cannot be met by resuming an older listing).
 */
function resumedConsistency(cursor: PageCursor, asked: Consistency): Consistency {
  const issued = cursor.k ?? DEFAULT_CONSISTENCY;
  if (asked.kind === 'minimizeLatency' || sameConsistency(asked, issued)) return issued;
  throw new InvalidRequestError(
    'The cursor resumes a listing taken under another consistency than this request asks (RAC-At-Least-As-Fresh, or none); send the first page\'s, or none, or ask for the first page again without a cursor.',
    [{ path: 'cursor', message: 'was issued under another consistency' }],
  );
}

/** the caller's cursor, if it is one this service returned for this very query */
function decodeCursor(sign: Pseudonymizer, q: ClientPageQuery, s: string, types: number): PageCursor {
  let c: PageCursor;
  try {
    c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as PageCursor;
  } catch {
    throw badCursor('is not one this service returned');
  }
  const wellFormed =
    typeof c === 'object' &&
    c !== null &&
    Number.isInteger(c.t) &&
    c.t >= 0 &&
    (c.c === undefined || typeof c.c === 'string') &&
    (c.k === undefined || isConsistency(c.k)) &&
    (c.s === undefined || isToken(c.s)) &&
    (c.x === undefined || (c.x === 1 && c.s !== undefined)) &&
    typeof c.m === 'string';
  if (!wellFormed) throw badCursor('is not one this service returned');
  if (c.q !== queryDigest(q) || c.t >= types) throw badCursor('belongs to another query (rep, permission, type or limit)');
  const { m, ...body } = c;
  const given = Buffer.from(m!);
  const wanted = Buffer.from(cursorMac(sign, q, body));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw badCursor('is not one this service returned');
  return c;
}

export class LookupService {
  constructor(
    private readonly store: AuthzStore,
    private readonly pseudonymize: Pseudonymizer,
  ) {}

  /**
   * Streams one page of the rep's clients to `emit`, in SpiceDB's order, and returns the cursor of
   * the next page (null at the end). Individuals are named by their ref.
   */
  async clientsOfRep(q: ClientPageQuery, consistency: Consistency, emit: (c: { type: ClientType; id: string }) => Promise<void>): Promise<string | null> {
    const types = q.type ? [q.type] : [...CLIENT_TYPES];
    const start: PageCursor | { t: number; c?: string; s?: string; x?: 1 } = q.cursor ? decodeCursor(this.pseudonymize, q, q.cursor, types.length) : { t: 0 };
    if (q.cursor) consistency = resumedConsistency(start as PageCursor, consistency);
    // the listing's revision, once known: a type begun after it was learnt is asked at exactly it
    let snapshot = start.s;
    let remaining = q.limit;
    // LookupResources may report a resource more than once (several paths grant it: an owner
    // reaches each client as owner and business-wide): drop repeats within the page (bounded by
    // the page size); across pages a repeat can remain (README, "Lookups")
    const seen = new Set<string>();
    for (let t = start.t; t < types.length; t++) {
      const type = types[t]!;
      let cursor = t === start.t ? start.c : undefined;
      // a SpiceDB cursor resumes under the consistency it was issued with (the caller's, or the
      // listing's revision: x); a type begun here is asked at the listing's revision, once known
      const atSnapshot = snapshot !== undefined && (cursor === undefined || start.x === 1);
      const asked: Consistency = atSnapshot ? { kind: 'atExactSnapshot', token: snapshot! } : consistency;
      // Always ask SpiceDB for a full page: a cursor only resumes a call with the same limit.
      // A call that returns a full page may have more behind it (repeats included): call again
      // from its last cursor until this page is full or the type is exhausted.
      for (;;) {
        let raw = 0;
        // the caller's own cursor (or its revision) is asked only by the first call of its first type
        const resumesCallers = q.cursor !== undefined && t === start.t && (cursor !== undefined ? cursor === start.c : asked.kind === 'atExactSnapshot');
        try {
          for await (const r of this.store.lookupResources(
            { resourceType: CLIENT_OBJECT_TYPES[type], permission: q.permission, subject: repObject(q.repId), limit: q.limit, ...(cursor ? { cursor } : {}) },
            asked,
          )) {
            raw++;
            cursor = r.cursor;
            snapshot ??= r.lookedUpAt;
            const key = `${type}:${r.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            await emit({ type, id: r.id });
            if (--remaining === 0) break;
          }
        } catch (err) {
          // the query itself is ours and valid: SpiceDB refusing it before any result refuses
          // the caller's cursor (forged, or from another SpiceDB), the caller's 400
          if (resumesCallers && raw === 0 && err instanceof StoreRejectedError) throw badCursor('is not one SpiceDB can resume');
          throw err;
        }
        if (remaining === 0) {
          // the page is full: the next one resumes here (it may turn out empty)
          return encodeCursor(this.pseudonymize, q, { t, ...(cursor ? { c: cursor } : {}), ...(snapshot ? { s: snapshot } : {}), ...(atSnapshot && cursor ? { x: 1 as const } : {}) }, consistency);
        }
        if (raw < q.limit) break; // this type is exhausted
      }
    }
    return null;
  }

  async repsOfClient(client: ClientId, permission: string, consistency: Consistency): Promise<string[]> {
    const reps = new Set<string>();
    const resource = clientObject(resolveClient(client, this.pseudonymize));
    for await (const id of this.store.lookupSubjects({ resource, permission, subjectType: 'rep' }, consistency)) reps.add(id);
    return [...reps].sort();
  }
}
