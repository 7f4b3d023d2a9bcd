// npm run bench:scale: rac-authz at size. Measures single-check latency with
// ~10k relationships, then again after growing the store to ~1M (100k clients across 50 firms,
// each client authorizing 5 firms), and the streamed lookup of a rep's 10k clients
// (GET /v1/reps/{repId}/clients, page by page, server backend): time to first byte, total time,
// and the peak growth of the rac-authz process's resident memory while it runs. Writes
// .data/bench/scale.json.
// SCALE_BACKEND=server runs it against the SpiceDB server of scripts/spicedb-server.sh (Postgres;
// the embedded memory datastore seeds too slowly past a few hundred thousand relationships);
// SCALE_CLIENTS (100000) sets the size; SCALE_LOOKUP_ROUNDS (4) how many times the lookup runs
// (the slowest round is reported, with each round's figures).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { CheckService } from '../../src/domain/checks.js';
import * as facts from '../../src/domain/facts.js';
import type { ClientKey } from '../../src/domain/objects.js';
import { createPseudonymizer } from '../../src/domain/pseudonym.js';
import type { CheckQuery, Relationship } from '../../src/domain/store-port.js';
import { openStore } from '../../src/spicedb/index.js';
import { checkDeck, firm, rng } from './fixtures.js';
import { BENCH_KEY, BENCH_PSEUDONYM_KEY } from './keys.js';
import { root, serverEnv, startServer } from './servers.js';

const schema = readFileSync(`${root}schema.zed`, 'utf8');
const server = process.env.SCALE_BACKEND === 'server' ? serverEnv() : undefined;
const raw = await openStore(
  server
    ? { backend: 'server', endpoint: server.SPICEDB_ENDPOINT!, token: server.SPICEDB_TOKEN!, insecure: true, deadlineMs: 30_000 }
    : process.env.SPICEDB_EMBEDDED_LIBRARY
      ? { backend: 'embedded', library: process.env.SPICEDB_EMBEDDED_LIBRARY }
      : { backend: 'embedded' },
  schema,
);
const started = performance.now();
const pseudonymize = createPseudonymizer(BENCH_PSEUDONYM_KEY);
let count = 0;
async function write(rels: Relationship[]) {
  for (let i = 0; i < rels.length; i += 1000) {
    await raw.write(rels.slice(i, i + 1000).map((relationship) => ({ operation: 'touch', relationship })));
  }
  count += rels.length;
}

// the measured firm: ~300 employees; 3333 clients of each type (10k clients)
const BN = '123456789';
const measured = firm(BN, 1, pseudonymize, 3334, 10);
await write(measured.relationships);
const checks = new CheckService(raw, pseudonymize);
const queries: CheckQuery[] = (checkDeck(measured.spec, 400, 3) as Array<{ rep: string; permission: string; client: { type: string; id: string } }>).map((b) =>
  checks.toQuery({
    rep: b.rep,
    permission: b.permission,
    client: b.client.type === 'individual' ? { type: 'individual', sin: b.client.id } : b.client.type === 'business' ? { type: 'business', bn: b.client.id } : { type: 'trust', trustNumber: b.client.id },
  }),
);

/**
 * p50 and p99 of the deck's checks asked one after another (minimize latency, as services ask).
 * First it waits out SpiceDB's quantization window (5 s, plus 10% staleness): a minimize-latency
 * read just after a write may be answered at a revision from before it, on a store without the
 * data just written (fast, and wrong as a measure). The number of yeses says the data was seen:
 * the same deck must get the same answers at both sizes.
 */
async function checkLatency(): Promise<{ p50: number; p99: number; allowed: number }> {
  await new Promise((r) => setTimeout(r, 6000));
  const ms: number[] = [];
  let allowed = 0;
  for (const q of queries) {
    const t0 = performance.now();
    const answer = await raw.check(q, { kind: 'minimizeLatency' });
    ms.push(performance.now() - t0);
    if (answer.allowed) allowed++;
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => Math.round(ms[Math.floor((ms.length - 1) * p)]! * 1000) / 1000;
  return { p50: at(0.5), p99: at(0.99), allowed };
}

const lookupOnly = process.env.SCALE_LOOKUP_ONLY === '1'; // reuse a store seeded by an earlier run
const LOOKUP_ROUNDS = Math.max(1, Number(process.env.SCALE_LOOKUP_ROUNDS ?? 4));
process.stderr.write(`seeded ${count} relationships; measuring checks\n`);
const small = lookupOnly ? undefined : { relationships: count, ...(await checkLatency()) };

// grow to ~1M: 49 more firms, 100k clients, each authorizing 5 of the 50 firms
const firms = [BN, ...Array.from({ length: 49 }, (_, i) => String(300000000 + i * 1000))];
if (!lookupOnly) for (const bn of firms.slice(1)) await write(firm(bn, Number(bn), pseudonymize, 10, 2).relationships);
const rand = rng(11);
let batch: Relationship[] = [];
const CLIENTS = lookupOnly ? 0 : Number(process.env.SCALE_CLIENTS ?? 100_000);
for (let i = 0; i < CLIENTS; i++) {
  const client: ClientKey = i % 3 === 0 ? { type: 'trust', key: `T${String(50_000_000 + i).padStart(8, '0')}` } : i % 3 === 1 ? { type: 'business', key: String(800_000_000 + i) } : { type: 'individual', key: pseudonymize(String(i).padStart(9, '7')) };
  const chosen = new Set<string>();
  while (chosen.size < 5) chosen.add(firms[1 + Math.floor(rand() * 49)]!);
  for (const bn of chosen) batch.push(...facts.businessAuthorization(client, bn, (1 + Math.floor(rand() * 2)) as 1 | 2));
  if (batch.length >= 20_000) {
    await write(batch);
    batch = [];
    process.stderr.write(`  ${count} relationships, ${Math.round((performance.now() - started) / 1000)} s\n`);
  }
}
await write(batch);
process.stderr.write(`grown to ${count} relationships; measuring checks again\n`);
const large = lookupOnly ? undefined : { relationships: count, ...(await checkLatency()) };
if (small && large && (small.allowed === 0 || small.allowed !== large.allowed)) {
  throw new Error(`the deck got ${small.allowed} and ${large.allowed} yeses at the two sizes: not the seeded store at both`);
}

// The streamed lookup of 10k clients over HTTP, through rac-authz as deployed: its own process
// (compiled, servers.ts) on this SpiceDB, so the memory measured is its own and not this seeding
// process's (whose resident set stays near its high-water mark after a million writes). Server
// backend only: an embedded store lives inside the process that seeded it.
async function measureLookup(server: Record<string, string>) {
  const port = 18310;
  const rac = await startServer('test/bench/rac-server.ts', {
    BENCH_PORT: String(port),
    SPICEDB_ENDPOINT: server.SPICEDB_ENDPOINT!,
    SPICEDB_TOKEN: server.SPICEDB_TOKEN!,
    SPICEDB_EMBEDDED_LIBRARY: '',
  });
  // whose clients to list: the firm's owner by default (reaches all 10k, along two paths, so pages
  // may repeat a client), or SCALE_REP (a senior administrator reaches the ~9k not fenced into groups)
  const owner = process.env.SCALE_REP ?? measured.spec.employees.find((e) => e.role === 'owner')!.repId;
  // resident memory from /proc: the kernel's high-water mark is reset here (clear_refs 5), so the
  // peak read after the lookup is the lookup's; sampled as well, where the reset is refused
  const statusKb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${rac.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  const baseRss = statusKb('VmRSS');
  let peakRss = baseRss;
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${rac.pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, statusKb('VmRSS'))), 5);
  // several rounds, each after SpiceDB's quantization window (so no round reads another's cached
  // answers): a lookup that slows down once the database has seen its queries a few times (as with
  // Postgres's generic plans, scripts/postgres-tuning.sql) shows in the later rounds
  const rounds: Array<{ firstByteMs: number; totalMs: number }> = [];
  let clients = 0;
  let pages = 0;
  for (let round = 0; round < LOOKUP_ROUNDS; round++) {
    if (round > 0) await new Promise((r) => setTimeout(r, 7000));
    const t0 = performance.now();
    let firstByte = -1;
    let cursor: string | null = null;
    clients = 0;
    pages = 0;
    do {
      const res = await fetch(`http://127.0.0.1:${port}/v1/reps/${owner}/clients?permission=view&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: { authorization: `Bearer ${BENCH_KEY}` },
      });
      const reader = res.body!.getReader();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (firstByte < 0) firstByte = performance.now() - t0;
        text += Buffer.from(value).toString('utf8');
      }
      const page = JSON.parse(text) as { clients: unknown[]; nextCursor: string | null };
      clients += page.clients.length;
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    rounds.push({ firstByteMs: Math.round(firstByte), totalMs: Math.round(performance.now() - t0) });
  }
  clearInterval(sampler);
  if (hwmReset) peakRss = Math.max(peakRss, statusKb('VmHWM'));
  rac.kill('SIGTERM');
  if (clients === 0) throw new Error(`the lookup of ${owner}'s clients found none: not the seeded store`);
  const lookup = {
    clients,
    pages,
    // the slowest round's, and every round's
    firstByteMs: Math.max(...rounds.map((r) => r.firstByteMs)),
    totalMs: Math.max(...rounds.map((r) => r.totalMs)),
    rounds,
    peakRssGrowthMiB: Math.round(((peakRss - baseRss) / 1048576) * 10) / 10,
    baseRssMiB: Math.round((baseRss / 1048576) * 10) / 10,
  };
  return lookup;
}
const lookup = server ? await measureLookup(server) : 'not measured (embedded backend)';

const result = {
  date: new Date().toISOString(),
  backend: raw.kind,
  checks: small && large ? { small, large, ratio: Math.round((large.p50 / small.p50) * 100) / 100 } : 'not measured (SCALE_LOOKUP_ONLY)',
  lookup,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
mkdirSync(`${root}.data/bench`, { recursive: true });
writeFileSync(`${root}.data/bench/scale.json`, JSON.stringify(result, null, 2));
await raw.close();
process.exit(0);
