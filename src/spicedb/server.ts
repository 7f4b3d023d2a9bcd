// The server backend: a SpiceDB server over gRPC with a preshared key (a cluster on Postgres or
// CockroachDB in production). Every call carries a deadline shorter than the HTTP timeout, and
// calls fail fast while SpiceDB is unreachable (no waitForReady): the caller gets a 503 at once
// and the channel reconnects on its own when SpiceDB is back.
import { deadlineInterceptor, v1 } from '@authzed/authzed-node';
import type { SpiceDbApi } from './spicedb-api.js';

// PreconnectServices.PERMISSIONS_SERVICE (the enum is not exported by the package)
const PRECONNECT_PERMISSIONS = 1;
const STREAM_DEADLINE_MS = 10 * 60_000;

export interface ServerOptions {
  endpoint: string;
  token: string;
  insecure: boolean;
  /** per-call deadline, in milliseconds */
  deadlineMs: number;
}

export function connectServer(o: ServerOptions): SpiceDbApi {
  const security = o.insecure ? v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS : v1.ClientSecurity.SECURE;
  const client = v1.NewClient(o.token, o.endpoint, security, PRECONNECT_PERMISSIONS, {
    // keep the connection warm and notice a dead peer quickly
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    // reconnect promptly after SpiceDB restarts
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // every unary call gets this deadline (streams are bounded by their consumer)
    interceptors: [deadlineInterceptor(o.deadlineMs)],
  });
  const p = client.promises;
  return {
    checkPermission: (req) => p.checkPermission(req),
    checkBulkPermissions: (req) => p.checkBulkPermissions(req),
    writeRelationships: (req) => p.writeRelationships(req),
    deleteRelationships: (req) => p.deleteRelationships(req),
    // A stream may legitimately run long: its deadline is generous, and its consumer bounds it.
    readRelationships: (req) => client.readRelationships(req, { deadline: Date.now() + STREAM_DEADLINE_MS }),
    lookupResources: (req) => client.lookupResources(req, { deadline: Date.now() + STREAM_DEADLINE_MS }),
    lookupSubjects: (req) => client.lookupSubjects(req, { deadline: Date.now() + STREAM_DEADLINE_MS }),
    readSchema: async () => (await p.readSchema(v1.ReadSchemaRequest.create({}))).schemaText,
    writeSchema: async (schema) => {
      await p.writeSchema(v1.WriteSchemaRequest.create({ schema }));
    },
    close: () => client.close(),
  };
}
