// Lookups: the clients a representative reaches (paged by cursor, streamed from SpiceDB as they
// arrive, never held whole in memory) and the representatives who reach a client.
import { CLIENT_TYPES, type ClientType } from './identifiers.js';
import { InvalidRequestError } from './errors.js';
import { CLIENT_OBJECT_TYPES, clientObject, repObject, type ClientKey } from './objects.js';
import type { AuthzStore, Consistency } from './store-port.js';

/** where a page stopped: the index of the client type, and SpiceDB's cursor within it */
interface PageCursor {
  t: number;
  c?: string;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(s: string): PageCursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as PageCursor;
    if (Number.isInteger(c.t) && c.t >= 0 && c.t < CLIENT_TYPES.length && (c.c === undefined || typeof c.c === 'string')) return c;
  } catch {
    // fall through
  }
  throw new InvalidRequestError('The cursor is not one this service returned.', [{ path: 'cursor', message: 'is not a valid cursor' }]);
}

export interface ClientPageQuery {
  repId: string;
  permission: string;
  /** one type, or every type in the order individual, business, trust */
  type?: ClientType;
  limit: number;
  cursor?: string;
}

export class LookupService {
  constructor(private readonly store: AuthzStore) {}

  /**
   * Streams one page of the rep's clients to `emit`, in SpiceDB's order, and returns the cursor of
   * the next page (null at the end). Individuals are named by their ref.
   */
  async clientsOfRep(q: ClientPageQuery, consistency: Consistency, emit: (c: { type: ClientType; id: string }) => Promise<void>): Promise<string | null> {
    const types = q.type ? [q.type] : [...CLIENT_TYPES];
    const start = q.cursor ? decodeCursor(q.cursor) : { t: 0 };
    let remaining = q.limit;
    // LookupResources may report a resource more than once (several paths grant it): drop
    // repeats within the page (bounded by the page size); across pages a repeat can remain
    const seen = new Set<string>();
    for (let t = start.t; t < types.length; t++) {
      const type = types[t]!;
      let cursor = t === start.t ? start.c : undefined;
      // Always ask SpiceDB for a full page: a cursor only resumes a call with the same limit.
      // A call that returns a full page may have more behind it (repeats included): call again
      // from its last cursor until this page is full or the type is exhausted.
      for (;;) {
        let raw = 0;
        for await (const r of this.store.lookupResources(
          { resourceType: CLIENT_OBJECT_TYPES[type], permission: q.permission, subject: repObject(q.repId), limit: q.limit, ...(cursor ? { cursor } : {}) },
          consistency,
        )) {
          raw++;
          cursor = r.cursor;
          const key = `${type}:${r.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          await emit({ type, id: r.id });
          if (--remaining === 0) break;
        }
        if (remaining === 0) {
          // the page is full: the next one resumes here (it may turn out empty)
          return encodeCursor({ t, ...(cursor ? { c: cursor } : {}) });
        }
        if (raw < q.limit) break; // this type is exhausted
      }
    }
    return null;
  }

  async repsOfClient(client: ClientKey, permission: string, consistency: Consistency): Promise<string[]> {
    const reps = new Set<string>();
    for await (const id of this.store.lookupSubjects({ resource: clientObject(client), permission, subjectType: 'rep' }, consistency)) reps.add(id);
    return [...reps].sort();
  }
}
