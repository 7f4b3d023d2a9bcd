// Test support: the real app on a real embedded store, with known API keys and every log line
// captured, so tests can assert what reaches the logs.
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { parseApiKeys } from '../../src/config.js';
import { createPseudonymizer, type Pseudonymizer } from '../../src/domain/pseudonym.js';
import type { AuditEvent } from '../../src/domain/audit.js';
import type { AuthzStore } from '../../src/domain/store-port.js';
import { createApp, type AppDeps } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { defaultDecisionCacheSize, openStore, serviceStore } from '../../src/spicedb/index.js';
import { EMBEDDED, openTestStore } from './store.js';

export const KEYS = { check: 'check-key-000001', admin: 'admin-key-000001', ops: 'ops-key-00000001', all: 'all-scopes-key-01' };
export const API_KEYS = `check:${KEYS.check},admin:${KEYS.admin},ops:${KEYS.ops},check+admin+ops:${KEYS.all}`;
export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export interface TestApp {
  app: Express;
  /** what the app was made with (to make another with one thing changed) */
  deps: AppDeps;
  store: AuthzStore;
  pseudonymize: Pseudonymizer;
  /** every log line written so far, raw */
  logs: string[];
  /** every audit event recorded so far */
  audit: AuditEvent[];
  close(): Promise<void>;
}

export async function startTestApp(options: { store?: AuthzStore; now?: () => Date; rateLimitPerMinute?: number; draining?: () => boolean } = {}): Promise<TestApp> {
  const raw = options.store ?? (await openTestStore());
  const metrics = createMetrics();
  // as the service composes it: the decision cache as the engine under test has it by default
  // (a server store never gets one)
  const store = serviceStore(raw, metrics, { maxBatch: 100, maxWaitMs: 0 }, defaultDecisionCacheSize(EMBEDDED));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger('debug', sink);
  const pseudonymize = createPseudonymizer('test-pseudonym-key-0123456789');
  const served = await store.readSchema().catch(() => undefined);
  const audit: AuditEvent[] = [];
  const deps: AppDeps = {
    store,
    apiKeys: parseApiKeys(API_KEYS),
    pseudonymize,
    logger,
    audit: { record: (e) => audit.push(e) },
    metrics,
    expectedSchema: () => served,
    scratchStore: (schema) => openStore(EMBEDDED, schema),
    // every response a test sees has been checked against what the OpenAPI document promises
    checkResponses: true,
    ...(options.now ? { now: options.now } : {}),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    ...(options.draining ? { draining: options.draining } : {}),
  };
  return { app: createApp(deps), deps, store, pseudonymize, logs, audit, close: () => store.close() };
}
