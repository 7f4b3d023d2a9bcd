// An AuthzStore decorator that times every call into SpiceDB for the metrics. Streams are timed
// to their end.
import type { AuthzStore } from '../domain/store-port.js';
import type { Metrics } from '../metrics.js';

export function instrumentStore(store: AuthzStore, metrics: Metrics): AuthzStore {
  const h = metrics.spicedbDuration;
  const timed = async <T>(call: string, fn: () => Promise<T>): Promise<T> => {
    const end = h.startTimer({ call });
    try {
      const out = await fn();
      end({ outcome: 'ok' });
      return out;
    } catch (err) {
      end({ outcome: (err as Error).name ?? 'error' });
      throw err;
    }
  };
  async function* timedStream<T>(call: string, items: AsyncIterable<T>): AsyncIterable<T> {
    const end = h.startTimer({ call });
    try {
      yield* items;
      end({ outcome: 'ok' });
    } catch (err) {
      end({ outcome: (err as Error).name ?? 'error' });
      throw err;
    }
  }
  return {
    kind: store.kind,
    check: (q, c) => timed('CheckPermission', () => store.check(q, c)),
    checkWithTrace: (q, c) => timed('CheckPermission', () => store.checkWithTrace(q, c)),
    checkBulk: (q, c) => timed('CheckBulkPermissions', () => store.checkBulk(q, c)),
    write: (u, o) => timed('WriteRelationships', () => store.write(u, o)),
    deleteRelationships: (f, o) => timed('DeleteRelationships', () => store.deleteRelationships(f, o)),
    readRelationships: (f, c) => timedStream('ReadRelationships', store.readRelationships(f, c)),
    lookupResources: (q, c) => timedStream('LookupResources', store.lookupResources(q, c)),
    lookupSubjects: (q, c) => timedStream('LookupSubjects', store.lookupSubjects(q, c)),
    readSchema: () => timed('ReadSchema', () => store.readSchema()),
    writeSchema: (s) => timed('WriteSchema', () => store.writeSchema(s)),
    close: () => store.close(),
  };
}
