// TLS to a SpiceDB server (SPICEDB_INSECURE unset, its default false): a SpiceDB serving gRPC over
// TLS with a certificate from a private authority, made here with openssl. rac-authz given that
// authority (SPICEDB_CA_CERT) works; without it (the system's authorities only), or over plaintext,
// SpiceDB cannot be reached, and rac-authz fails closed: /readyz 503, checks 503, never allowed.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RAC_KEY, ready, startRacAuthz, startSpiceDb, waitFor, type Proc } from '../support/processes.js';

const procs: Proc[] = [];
const dir = mkdtempSync(join(tmpdir(), 'rac-tls-'));
let spicedbPort = 0;
afterAll(async () => {
  for (const p of procs) await p.kill();
  rmSync(dir, { recursive: true, force: true });
});

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** an authority `name`, and a certificate it signs for `san` (by default 127.0.0.1 and localhost) */
function authority(name: string, san = 'IP:127.0.0.1,DNS:localhost'): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test authority`, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=spicedb', '-keyout', `${name}-server.key`, '-out', `${name}-server.csr`);
  writeFileSync(join(dir, `${name}-san.ext`), `subjectAltName=${san}\n`);
  openssl('x509', '-req', '-in', `${name}-server.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}-san.ext`, '-out', `${name}-server.pem`);
}

/** rac-authz on its own port against the TLS SpiceDB (by default the one on spicedbPort), with `env` */
async function racAuthz(env: Record<string, string>, spicedb = spicedbPort) {
  const port = await freePort();
  const proc = startRacAuthz(port, spicedb, { env: { SPICEDB_INSECURE: 'false', ...env } });
  procs.push(proc);
  const call = async (method: string, path: string, actor?: string, body?: object) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { Authorization: `Bearer ${RAC_KEY}`, 'Content-Type': 'application/json', ...(actor ? { 'RAC-Actor': actor } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  return { port, proc, call };
}

const CHECK = { rep: 'TLSOWN1', permission: 'view', client: { type: 'trust', id: 'T24681357' } };

/** a SpiceDB serving the certificate of authority `name` */
async function tlsSpiceDb(name: string): Promise<number> {
  const port = await freePort();
  procs.push(await startSpiceDb(port, ['--grpc-tls-cert-path', join(dir, `${name}-server.pem`), '--grpc-tls-key-path', join(dir, `${name}-server.key`)]));
  return port;
}

beforeAll(async () => {
  authority('private');
  authority('other');
  authority('named', 'DNS:spicedb.internal'); // a certificate that does not name the address
  spicedbPort = await tlsSpiceDb('private');
}, 60_000);

it("with SPICEDB_CA_CERT naming SpiceDB's authority: ready, writes and checks over TLS", async () => {
  const rac = await racAuthz({ SPICEDB_CA_CERT: join(dir, 'private-ca.pem') });
  await waitFor('rac-authz over TLS ready', () => ready(rac.port), 60_000, rac.proc);
  expect((await rac.call('POST', '/v1/businesses', 'rep:TLSOWN1', { bn: '864297531', name: 'Over TLS' })).status).toBe(201);
  const granted = await rac.call('PUT', `/v1/clients/trust/${CHECK.client.id}/authorizations/business/864297531`, `client:trust:${CHECK.client.id}`, { level: 1 });
  expect(granted.status).toBe(201);
  const checked = await rac.call('POST', '/v1/check', undefined, { ...CHECK, consistency: { fullyConsistent: true } });
  expect(checked.status).toBe(200);
  expect(JSON.parse(checked.text).allowed).toBe(true);
}, 90_000);

it.each([
  ['the system authorities only (SpiceDB is not trusted)', {}, /unable to verify the first certificate/],
  ['another authority', { SPICEDB_CA_CERT: join(dir, 'other-ca.pem') }, /unable to verify the first certificate/],
  ['plaintext against TLS', { SPICEDB_INSECURE: 'true' }, /UNAVAILABLE/],
])('with %s: fails closed, /readyz 503, a check 503 and never allowed; the reason logged', async (_, env: Record<string, string>, logged: RegExp) => {
  const rac = await racAuthz(env);
  // up (its HTTP answers) but not ready: SpiceDB cannot be reached
  await waitFor('rac-authz answering', async () => (await fetch(`http://127.0.0.1:${rac.port}/healthz`)).status === 200, 60_000, rac.proc);
  expect((await fetch(`http://127.0.0.1:${rac.port}/readyz`)).status).toBe(503);
  const checked = await rac.call('POST', '/v1/check', undefined, CHECK);
  expect(checked.status).toBe(503);
  expect(checked.text).not.toContain('"allowed":true');
  expect(checked.text).not.toMatch(/certificate|x509|tls|ssl/i); // the reason stays in the service's log
  // at start, while it retries, the connection's own words are in the log
  const retried = () =>
    rac.proc
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; cause?: { message?: string } })
      .some((entry) => entry.msg === 'SpiceDB not ready; will retry' && logged.test(entry.cause?.message ?? ''));
  await waitFor('the reason logged', async () => retried(), 5_000, rac.proc);
}, 90_000);

it("SpiceDB reached by address, its certificate naming another host: SPICEDB_TLS_SERVER_NAME says which; without it, fails closed", async () => {
  const named = await tlsSpiceDb('named');
  const without = await racAuthz({ SPICEDB_CA_CERT: join(dir, 'named-ca.pem') }, named);
  await waitFor('rac-authz answering', async () => (await fetch(`http://127.0.0.1:${without.port}/healthz`)).status === 200, 60_000, without.proc);
  expect((await fetch(`http://127.0.0.1:${without.port}/readyz`)).status).toBe(503);
  expect((await without.call('POST', '/v1/check', undefined, CHECK)).status).toBe(503);
  const rac = await racAuthz({ SPICEDB_CA_CERT: join(dir, 'named-ca.pem'), SPICEDB_TLS_SERVER_NAME: 'spicedb.internal' }, named);
  await waitFor('rac-authz with the server name ready', () => ready(rac.port), 60_000, rac.proc);
  const checked = await rac.call('POST', '/v1/check', undefined, CHECK);
  expect(checked.status).toBe(200);
  expect(JSON.parse(checked.text)).toMatchObject({ allowed: expect.any(Boolean) });
}, 120_000);
