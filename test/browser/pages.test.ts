// The reviewer's pages in a real browser: headless Chromium (Debian's package) loads /docs and
// /matrix from a running rac-authz and we read the DOM it rendered.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
let t: TestApp;
let server: Server;
let base: string;

beforeAll(async () => {
  t = await startTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await t.close();
});

/** the DOM after the page's scripts ran */
async function renderedDom(url: string): Promise<string> {
  const { stdout } = await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'rac-chromium-'))}`,
      '--virtual-time-budget=10000',
      '--dump-dom',
      url,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

it('GET /docs renders the OpenAPI document: operations listed by path', async () => {
  const dom = await renderedDom(`${base}/docs`);
  expect(dom).toContain('swagger-ui');
  expect(dom).toMatch(/class="[^"]*opblock[^"]*"/);
  expect(dom).toContain('/v1/check/bulk');
  expect(dom).toContain('/v1/businesses/{bn}/employees/{repId}');
}, 90_000);

it('GET /matrix renders the access matrix as a table', async () => {
  const dom = await renderedDom(`${base}/matrix`);
  expect(dom).toContain('<table>');
  expect(dom).toContain('associate_representatives');
  expect(dom).toMatch(/<td class="priv">P: mail<\/td>/);
  expect((dom.match(/<tr>/g) ?? []).length).toBeGreaterThan(30);
}, 90_000);
