// rac-authz as the benchmark measures it: the real app and store composition (timed store,
// coalesced checks), seeded with the benchmark firm when embedded, plus /__bench/loop, which
// reports (and resets) the event-loop delay seen since the last call, /__bench/batch (coalesced
// calls and their checks so far) and /__bench/cache (the decision cache's counts).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CHECK_BATCH_MAX_DEFAULT, CHECK_BATCH_WAIT_MS_DEFAULT, parseApiKeys } from '../../src/config.js';
import { createPseudonymizer } from '../../src/domain/pseudonym.js';
import { createApp } from '../../src/http/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { defaultDecisionCacheSize, openStore, serviceStore, type StoreConfig } from '../../src/spicedb/index.js';
import { firm } from './fixtures.js';
import { BENCH_KEY, BENCH_PSEUDONYM_KEY } from './keys.js';

const schema = readFileSync(new URL('../../schema.zed', import.meta.url), 'utf8');
const config: StoreConfig = process.env.SPICEDB_ENDPOINT
  ? { backend: 'server', endpoint: process.env.SPICEDB_ENDPOINT, token: process.env.SPICEDB_TOKEN ?? '', insecure: true, deadlineMs: 5000 }
  : process.env.SPICEDB_EMBEDDED_LIBRARY
    ? { backend: 'embedded', library: process.env.SPICEDB_EMBEDDED_LIBRARY, dispatchCache: process.env.BENCH_DISPATCH_CACHE !== '0' }
    : { backend: 'embedded' };
const raw = await openStore(config, schema);
const pseudonymize = createPseudonymizer(BENCH_PSEUDONYM_KEY);
const metrics = createMetrics();
const maxInFlight = Number(process.env.RAC_CHECK_MAX_IN_FLIGHT ?? 0);
const batch = process.env.BENCH_NO_COALESCE === '1' ? { maxBatch: 1, maxWaitMs: 0, maxInFlight } : { maxBatch: Number(process.env.RAC_CHECK_BATCH_MAX ?? CHECK_BATCH_MAX_DEFAULT[config.backend]), maxWaitMs: Number(process.env.RAC_CHECK_BATCH_WAIT_MS ?? CHECK_BATCH_WAIT_MS_DEFAULT[config.backend]), maxInFlight };
// as main.ts: RAC_DECISION_CACHE_SIZE when set (0: every check goes to the engine), else the engine's default
const cacheSize = process.env.RAC_DECISION_CACHE_SIZE === undefined ? defaultDecisionCacheSize(config) : Number(process.env.RAC_DECISION_CACHE_SIZE);
const store = serviceStore(raw, metrics, batch, cacheSize);
if (process.env.BENCH_SEED === '1') {
  // through the service store, as the API writes: the decision cache sees every write and expiry
  const { relationships } = firm(process.env.BENCH_BN ?? '123456789', 1, pseudonymize);
  for (let i = 0; i < relationships.length; i += 1000) {
    await store.write(relationships.slice(i, i + 1000).map((relationship) => ({ operation: 'touch', relationship })));
  }
}
const served = await raw.readSchema();
const app = createApp({
  store,
  apiKeys: parseApiKeys(`check+admin+ops:${BENCH_KEY}`),
  pseudonymize,
  // BENCH_LOG_LEVEL (bench.ts): 'error' by default, no line for an answered request; the
  // service's own default, info, logs every request
  logger: createLogger(process.env.BENCH_LOG_LEVEL ?? 'error'),
  audit: { record: () => {} },
  metrics,
  expectedSchema: () => served,
  // the limiter runs as in the service (its cost is measured), with a budget the bench cannot
  // spend: the default (600,000 a minute a key) is below what the cached row asks in a minute
  rateLimitPerMinute: 1_000_000_000,
});

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
// The service's app is served as main.ts serves it (createHttpServer: no Express around it, its
// requests made with the app's prototypes); the harness's endpoints are answered before it.
const json = (res: ServerResponse, body: unknown) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};
const server = createHttpServer(app, (req, res) => {
  if (req.url === '/__bench/loop') {
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    json(res, { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) });
    loop.reset();
  } else if (req.url === '/__bench/batch') {
    // coalesced bulk calls since start: how many, and how many checks they carried
    void metrics.checkBatch.get().then((m) => {
      const of = (name: string) => m.values.find((v) => v.metricName === name)?.value ?? 0;
      json(res, { calls: of('rac_check_batch_size_count'), checks: of('rac_check_batch_size_sum') });
    });
  } else if (req.url === '/__bench/cache') {
    // the decision cache's counts since start: hit, miss, bypass
    void metrics.decisionCache.get().then((m) => json(res, Object.fromEntries(m.values.map((v) => [String(v.labels.result), v.value]))));
  } else {
    void app(req, res);
  }
}).listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => server.close(() => void store.close().then(() => process.exit(0))));
