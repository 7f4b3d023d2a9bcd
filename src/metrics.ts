// Prometheus metrics (prom-client): HTTP latency per route pattern and status, SpiceDB call
// latency per call and outcome, check outcomes, the size of coalesced check batches. Labels are
// route patterns and fixed words only: no id (and so no SIN) can become a label.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  spicedbDuration: Histogram<'call' | 'outcome'>;
  checkOutcomes: Counter<'outcome'>;
  decisionCache: Counter<'result'>;
  checkBatch: Histogram;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'rac_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    spicedbDuration: new Histogram({
      name: 'rac_spicedb_call_duration_seconds',
      help: 'SpiceDB call latency by call and outcome (ok or the domain error)',
      labelNames: ['call', 'outcome'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    checkOutcomes: new Counter({
      name: 'rac_check_outcomes_total',
      help: 'Check answers: allowed, denied, or error (could not decide)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    decisionCache: new Counter({
      name: 'rac_decision_cache_total',
      help: 'Checks answered from the decision cache (hit) or sent to SpiceDB (miss, bypass)',
      labelNames: ['result'],
      registers: [registry],
    }),
    checkBatch: new Histogram({
      name: 'rac_check_batch_size',
      help: 'Single checks per coalesced CheckBulkPermissions call (RAC_CHECK_BATCH_MAX bounds it)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100, 250, 500, 1000],
      registers: [registry],
    }),
  };
}
