// The server backend: a SpiceDB server over gRPC with a preshared key (a cluster on Postgres or
// CockroachDB in production). Every call carries a deadline shorter than the HTTP timeout, and
// calls fail fast while SpiceDB is unreachable (no waitForReady): the caller gets a 503 at once
// and the channel reconnects on its own when SpiceDB is back. Calls are spread round-robin over
// every node the endpoint names (a list of addresses) or resolves to (a name with several
// addresses), skipping nodes that are down.
import { deadlineInterceptor, v1 } from '@authzed/authzed-node';
import type { Config } from '../config.js';
import { OpenStreams } from './open-streams.js';
import type { SpiceDbApi } from './spicedb-api.js';

/** grpc-js's client options, as authzed-node takes them */
type ClientOptions = NonNullable<Parameters<typeof v1.NewClient>[4]>;

// PreconnectServices.PERMISSIONS_SERVICE (the enum is not exported by the package)
const PRECONNECT_PERMISSIONS = 1;
const STREAM_DEADLINE_MS = 10 * 60_000;

/** a SpiceDB server's address, key, TLS and per-call deadline, as the configuration gives them */
export type ServerOptions = Omit<Extract<Config['spicedb'], { backend: 'server' }>, 'backend'>;

/** The gRPC target for SPICEDB_ENDPOINT: `host:port` as it is; a list `a:p,b:p` as grpc's `ipv4:a:p,b:p` (`ipv6:` for `[a]:p,[b]:p`). */
export function channelTarget(endpoint: string): string {
  if (!endpoint.includes(',')) return endpoint;
  return endpoint.startsWith('[') ? `ipv6:${endpoint}` : `ipv4:${endpoint}`;
}

const PERMISSIONS_SERVICE = 'authzed.api.v1.PermissionsService';
/**
 * Round-robin over the nodes that are up. A check that fails with UNAVAILABLE (its node died
 * with the call in flight) is tried once more, and round-robin sends the retry to another node:
 * a check only reads. Writes, deletes and streams are never retried: a write whose connection
 * dropped may have committed, and its caller must decide (it gets a 503).
 */
export const SERVICE_CONFIG = {
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: [
        { service: PERMISSIONS_SERVICE, method: 'CheckPermission' },
        { service: PERMISSIONS_SERVICE, method: 'CheckBulkPermissions' },
      ],
      retryPolicy: { maxAttempts: 2, initialBackoff: '0.01s', maxBackoff: '0.01s', backoffMultiplier: 1, retryableStatusCodes: ['UNAVAILABLE'] },
    },
  ],
};

export function connectServer(o: ServerOptions): SpiceDbApi {
  const options: ClientOptions = {
    'grpc.service_config': JSON.stringify(SERVICE_CONFIG),
    // Keepalive pings no more often than SpiceDB accepts them: it runs grpc-go's default policy
    // (at most one ping per 5 minutes, none on an idle connection), and answers more with a GOAWAY
    // that fails the calls in flight (RESOURCE_EXHAUSTED), e.g. a lookup still computing its
    // first page. Unary calls have their deadline; a dead peer fails them sooner than any ping.
    'grpc.keepalive_time_ms': 300_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 0,
    // reconnect promptly after SpiceDB restarts
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // every unary call gets this deadline (streams are bounded by their consumer)
    interceptors: [deadlineInterceptor(o.deadlineMs)],
    // every node's certificate names this (else the endpoint's host; for a list, its first address)
    ...(o.tlsServerName && !o.insecure ? { 'grpc.ssl_target_name_override': o.tlsServerName, 'grpc.default_authority': o.tlsServerName } : {}),
  };
  const target = channelTarget(o.endpoint);
  // TLS unless told otherwise, against the system's authorities or the one SPICEDB_CA_CERT names
  const client = o.insecure
    ? v1.NewClient(o.token, target, v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS, PRECONNECT_PERMISSIONS, options)
    : o.caCert
      ? v1.NewClientWithCustomCert(o.token, target, o.caCert, PRECONNECT_PERMISSIONS, options)
      : v1.NewClient(o.token, target, v1.ClientSecurity.SECURE, PRECONNECT_PERMISSIONS, options);
  const p = client.promises;
  const streams = new OpenStreams();
  return {
    checkPermission: (req) => p.checkPermission(req),
    checkBulkPermissions: (req) => p.checkBulkPermissions(req),
    writeRelationships: (req) => p.writeRelationships(req),
    deleteRelationships: (req) => p.deleteRelationships(req),
    // A stream may legitimately run long (a slow consumer): its deadline is generous, and the store
    // bounds each wait for SpiceDB's next message instead (spicedb-store.ts).
    readRelationships: (req, signal) => streams.track(client.readRelationships(req, { deadline: Date.now() + STREAM_DEADLINE_MS }), signal),
    lookupResources: (req, signal) => streams.track(client.lookupResources(req, { deadline: Date.now() + STREAM_DEADLINE_MS }), signal),
    lookupSubjects: (req, signal) => streams.track(client.lookupSubjects(req, { deadline: Date.now() + STREAM_DEADLINE_MS }), signal),
    readSchema: async () => (await p.readSchema(v1.ReadSchemaRequest.create({}))).schemaText,
    writeSchema: async (schema) => {
      await p.writeSchema(v1.WriteSchemaRequest.create({ schema }));
    },
    close: async () => {
      streams.cancelAll();
      client.close();
    },
  };
}
