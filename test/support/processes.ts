// Test support for the server-only tests: start `spicedb serve` and rac-authz (dist/main.js) as
// real processes on loopback, wait until they answer, and kill them hard.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs} ms`);
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

/** a SpiceDB server node on the suite's Postgres database */
export async function startSpiceDb(grpcPort: number, extra: string[] = []): Promise<Proc> {
  const bin = process.env.SPICEDB_BIN;
  const uri = process.env.SPICEDB_DATASTORE_URI;
  if (!bin || !uri) throw new Error('SPICEDB_BIN and SPICEDB_DATASTORE_URI come from scripts/spicedb-server.sh (npm run test:server)');
  const p = start(bin, [
    'serve',
    '--skip-release-check',
    '--grpc-preshared-key', PSK,
    '--grpc-addr', `127.0.0.1:${grpcPort}`,
    '--http-enabled=false',
    '--metrics-addr', `127.0.0.1:${await freePort()}`,
    '--dispatch-cluster-enabled=false',
    '--datastore-engine', 'postgres',
    '--datastore-conn-uri', uri,
    '--log-level', 'warn',
    ...extra,
  ], {});
  return p;
}

export const RAC_KEY = 'all-scopes-durability-key';

/** rac-authz from dist/ (npm run build) against a SpiceDB server */
export function startRacAuthz(port: number, spicedbPort: number): Proc {
  return start(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    SPICEDB_ENDPOINT: `127.0.0.1:${spicedbPort}`,
    SPICEDB_TOKEN: PSK,
    SPICEDB_INSECURE: 'true',
    SPICEDB_DEADLINE_MS: '2000',
    RAC_API_KEYS: `check+admin+ops:${RAC_KEY}`,
    RAC_PSEUDONYM_KEY: 'durability-test-pseudonym-key-0123',
    LOG_LEVEL: 'warn',
  });
}

export async function ready(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return res.status === 200;
}
