// RAC_METRICS_PORT: /metrics on a listener of its own, where only the scraper reaches, and gone
// from the API's listener (and from its OpenAPI document); unset, it stays on the API's.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { createMetricsServer } from '../src/http/metrics-server.js';
import { createMetrics } from '../src/metrics.js';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('/metrics on a listener of its own', () => {
  it('serves Prometheus text on GET and HEAD /metrics, 404 elsewhere, 405 for other methods', async () => {
    const metrics = createMetrics();
    metrics.checkOutcomes.inc({ outcome: 'allowed' });
    const server = createMetricsServer(metrics).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const got = await fetch(`${base}/metrics`);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await got.text()).toContain('rac_check_outcomes_total{outcome="allowed"} 1');
      const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
      expect([head.status, await head.text()]).toEqual([200, '']);
      expect((await fetch(`${base}/v1/check`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      server.close();
    }
  });

  it('the API listener then has no /metrics, and its OpenAPI document none either', async () => {
    const app = createApp({ ...t.deps, metricsOnApi: false });
    expect((await request(app).get('/metrics')).status).toBe(404);
    const doc = (await request(app).get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
    expect(Object.keys(doc.paths)).toContain('/healthz');
    // the API itself is unchanged
    expect((await request(app).get('/healthz')).status).toBe(200);
    expect((await request(app).post('/v1/check').set(bearer(KEYS.check)).send({ rep: 'SREP001', permission: 'view_employees', business: '123456789' })).status).toBe(200);
    // by default it is there
    expect((await request(t.app).get('/metrics')).status).toBe(200);
  });

  it('configuration: RAC_METRICS_PORT (and RAC_METRICS_HOST, 127.0.0.1 by default); the host alone refused', () => {
    expect(loadConfig({}).metricsListener).toBeUndefined();
    expect(loadConfig({ RAC_METRICS_PORT: '9464' }).metricsListener).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ RAC_METRICS_PORT: '9464', RAC_METRICS_HOST: '10.0.0.7' }).metricsListener).toEqual({ port: 9464, host: '10.0.0.7' });
    expect(() => loadConfig({ RAC_METRICS_HOST: '10.0.0.7' })).toThrow(ConfigError);
    expect(() => loadConfig({ RAC_METRICS_PORT: '70000' })).toThrow(ConfigError);
  });
});
