// The benchmark's servers (bare-server.ts, rac-server.ts) as separate processes, run the way
// `npm start` runs the service: compiled by tsc into .data/bench/build and started on plain node.
// Not through tsx: its transform wraps closures in a naming helper that runs per request (about 2%
// of a cached check's CPU, measured).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

export const root = new URL('../../', import.meta.url).pathname;
const BUILD = `${root}.data/bench/build`;
/** what scripts/spicedb-server.sh writes about the SpiceDB server it started */
export const SERVER_ENV_FILE = `${root}.data/spicedb.env`;

/** SERVER_ENV_FILE's variables (SPICEDB_ENDPOINT, SPICEDB_TOKEN, ...) */
export function serverEnv(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(SERVER_ENV_FILE, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      // a value with a shell metacharacter (the datastore URI's `&`) is single-quoted
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  );
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
// Ctrl-C or a CI step's timeout ends the run through 'exit' too, so no server outlives it
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

let built = false;
function buildServers(): void {
  if (built) return;
  rmSync(BUILD, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', BUILD], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc could not build the benchmark servers');
  // the build mirrors the repository's layout, so the servers find the schema where they look
  copyFileSync(`${root}schema.zed`, `${BUILD}/schema.zed`);
  built = true;
}

/** starts test/bench/<name>.ts as built, and waits for it to say READY; killed when this process exits */
export async function startServer(file: string, env: Record<string, string>): Promise<ChildProcess> {
  buildServers();
  const js = `${BUILD}/${file.replace(/\.ts$/, '.js')}`;
  const child = spawn(process.execPath, ['--enable-source-maps', js], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let ready = false;
    child.stdout!.on('data', (d) => {
      // read to the end (a full pipe would stall the server), kept only until READY: the
      // request log lines that follow at BENCH_LOG_LEVEL=info are dropped
      if (ready) return;
      out += String(d);
      if (out.includes('READY')) {
        ready = true;
        out = '';
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  });
  return child;
}

/** stops servers started here, once they are no longer measured (so they take no CPU or memory from what is) */
export async function stopServers(list: Array<ChildProcess | undefined>): Promise<void> {
  await Promise.all(
    list.map(async (child) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }),
  );
}
