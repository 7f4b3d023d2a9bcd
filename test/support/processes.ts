// Test support for the server-only tests: start `spicedb serve` and rac-authz (dist/main.js) as
// real processes on loopback, wait until they answer, and kill them hard.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** ports this process has handed out: a port just closed may be offered again by the kernel */
const handedOut = new Set<number>();

export async function freePort(port = 0, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const taken = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port !== 0 || !handedOut.has(taken) || attempt >= 20) {
      handedOut.add(taken);
      return taken;
    }
  }
}

/** a port free on each of the given loopback addresses (all of 127.0.0.0/8 is loopback on Linux) */
export async function freePortOn(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(0, hosts[0]);
    const free = await Promise.all(hosts.slice(1).map((h) => freePort(port, h).then(() => true, () => false)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

/** polls `probe` until it says true; on timeout, the error carries the tail of `proc`'s output */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000, proc?: Proc): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const output = proc ? `; its output ends:\n${proc.output().slice(-3000)}` : '';
  throw new Error(`${what} did not become ready in ${timeoutMs} ms${output}`);
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function start(cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  return {
    child,
    output: () => out,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export const PSK = 'durability-test-preshared-key';

/** a SpiceDB server node on the suite's Postgres database (or the datastore `uri` names) */
export async function startSpiceDb(grpcPort: number, extra: string[] = [], uri = process.env.SPICEDB_DATASTORE_URI): Promise<Proc> {
  const bin = process.env.SPICEDB_BIN;
  if (!bin || !uri) throw new Error('SPICEDB_BIN and SPICEDB_DATASTORE_URI come from scripts/spicedb-server.sh (npm run test:server)');
  const p = start(bin, [
    'serve',
    '--skip-release-check',
    '--grpc-preshared-key', PSK,
    '--grpc-addr', `127.0.0.1:${grpcPort}`,
    '--http-enabled=false',
    '--metrics-enabled=false',
    '--dispatch-cluster-enabled=false',
    '--datastore-engine', 'postgres',
    '--datastore-conn-uri', uri,
    '--log-level', 'warn',
    ...extra,
  ], {});
  return p;
}

export const RAC_KEY = 'all-scopes-durability-key';

/**
 * rac-authz from dist/ (npm run build), or from src/ through tsx with `fromSource`, against a
 * SpiceDB server: a port on 127.0.0.1, or an endpoint as SPICEDB_ENDPOINT takes it
 */
export function startRacAuthz(port: number, spicedb: number | string, options: { fromSource?: boolean; env?: Record<string, string> } = {}): Proc {
  const main = options.fromSource ? ['--import', 'tsx', 'src/main.ts'] : ['dist/main.js'];
  return start(process.execPath, ['--enable-source-maps', ...main], {
    PORT: String(port),
    HOST: '127.0.0.1',
    SPICEDB_ENDPOINT: typeof spicedb === 'number' ? `127.0.0.1:${spicedb}` : spicedb,
    SPICEDB_TOKEN: PSK,
    SPICEDB_INSECURE: 'true',
    SPICEDB_DEADLINE_MS: '2000',
    RAC_API_KEYS: `check+admin+ops:${RAC_KEY}`,
    RAC_PSEUDONYM_KEY: 'durability-test-pseudonym-key-0123',
    LOG_LEVEL: 'warn',
    ...options.env,
  });
}

export async function ready(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return res.status === 200;
}

/**
 * A Postgres database for SpiceDB nodes a test starts itself, made by scripts/spicedb-server.sh
 * (spicedb binary, Postgres, role, a fresh database `db`, migrations).
 */
export async function spicedbDatastore(db: string): Promise<{ bin: string; uri: string }> {
  const { stdout } = await promisify(execFile)('bash', ['scripts/spicedb-server.sh', 'datastore'], {
    cwd: ROOT,
    env: { ...process.env, SPICEDB_DB: db, FRESH: '1' },
    timeout: 120_000,
  });
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1];
  const bin = value('SPICEDB_BIN');
  const uri = value('SPICEDB_DATASTORE_URI');
  if (!bin || !uri) throw new Error('scripts/spicedb-server.sh datastore printed no SPICEDB_BIN / SPICEDB_DATASTORE_URI');
  return { bin, uri };
}

export interface ClusterNodeOptions {
  bin: string;
  datastoreUri: string;
  /** the loopback address the node binds (gRPC, dispatch, metrics) */
  host: string;
  grpcPort: number;
  dispatchPort: number;
  metricsPort: number;
  /** dispatch upstream, e.g. dns:///name:port: a name that resolves to every node */
  upstream: string;
  /** the /etc/hosts the node sees, naming every node under the upstream's name */
  hostsFile: string;
}

/**
 * One node of a SpiceDB dispatch cluster on loopback. It runs in a private mount namespace where
 * `hostsFile` is bind-mounted over /etc/hosts, so that the dispatch name resolves to every node
 * while the machine's own /etc/hosts stays untouched (needs root: unshare --mount). unshare and
 * sh exec in place: the child's pid is spicedb's, and killing it kills the node.
 */
export function startSpiceDbNode(o: ClusterNodeOptions): Proc {
  return start('unshare', [
    '--mount',
    'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', o.hostsFile,
    o.bin,
    'serve',
    '--skip-release-check',
    '--telemetry-endpoint=',
    '--grpc-preshared-key', PSK,
    '--grpc-addr', `${o.host}:${o.grpcPort}`,
    '--http-enabled=false',
    '--metrics-addr', `${o.host}:${o.metricsPort}`,
    '--dispatch-cluster-enabled',
    '--dispatch-cluster-addr', `${o.host}:${o.dispatchPort}`,
    '--dispatch-upstream-addr', o.upstream,
    '--datastore-engine', 'postgres',
    '--datastore-conn-uri', o.datastoreUri,
    '--log-level', 'warn',
  ], {});
}
