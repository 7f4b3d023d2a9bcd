// Test support: a real SpiceDB store loaded with the project's schema.zed. Each test file gets
// its own engine, so files do not see each other's relationships.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthzStore, Consistency, Relationship } from '../../src/domain/store-port.js';
import { openStore } from '../../src/spicedb/index.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema.zed', import.meta.url));
export const schemaText = (): string => readFileSync(SCHEMA_PATH, 'utf8');

export const FULL: Consistency = { kind: 'fullyConsistent' };

export async function openTestStore(schema = schemaText()): Promise<AuthzStore> {
  return openStore({ backend: 'embedded' }, schema);
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
