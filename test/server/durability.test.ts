// Durability on the server backend: a firm written through the API survives SIGKILL of both
// rac-authz and SpiceDB. After both restart, every relationship is still there and every check
// answers as before.
import { afterAll, expect, it } from '@jest/globals';
import type { AuthzStore, Relationship } from '../../src/domain/store-port.js';
import { openStore } from '../../src/spicedb/index.js';
import { freePort, PSK, RAC_KEY, ready, startRacAuthz, startSpiceDb, waitFor, type Proc } from '../support/processes.js';
import { definitionsOf, schemaText, serverConfig, wipe } from '../support/store.js';

const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) await p.kill();
});

async function api(port: number, method: string, path: string, actor: string | undefined, body?: object) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${RAC_KEY}`,
      'Content-Type': 'application/json',
      ...(actor ? { 'RAC-Actor': actor } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function everything(store: AuthzStore): Promise<string[]> {
  const out: string[] = [];
  for (const type of definitionsOf(schemaText())) {
    for await (const r of store.readRelationships({ resourceType: type }, { kind: 'fullyConsistent' })) out.push(key(r));
  }
  return out.sort();
}
const key = (r: Relationship) =>
  `${r.resource.type}:${r.resource.id}#${r.relation}@${r.subject.type}:${r.subject.id}${r.subject.relation ? `#${r.subject.relation}` : ''}${r.expiresAt ? `[${r.expiresAt.toISOString()}]` : ''}`;

const BN = '246813579';
const REPS = ['DOWNER1', 'DSADMIN', 'DJADMIN', 'DSREP01', 'DJREP01', 'DLIMIT1', 'DGROUP1'];
const CLIENTS = [
  { type: 'individual', id: '046454286' },
  { type: 'business', id: '987654321' },
  { type: 'trust', id: 'T12345678' },
];
const CHECKS = REPS.flatMap((rep) => [
  ...CLIENTS.flatMap((client) => ['view', 'update', 'list', 'remove_authorization'].map((permission) => ({ rep, permission, client }))),
  ...['associate_representatives', 'manage_groups', 'manage_registration', 'request_authorization', 'access_mail'].map((permission) => ({ rep, permission, business: BN })),
]);

it('a firm written through the API survives SIGKILL of rac-authz and SpiceDB', async () => {
  const spicedbPort = await freePort();
  const httpPort = await freePort();
  let spicedb = await startSpiceDb(spicedbPort);
  procs.push(spicedb);
  const config = serverConfig(`127.0.0.1:${spicedbPort}`, PSK);
  const answering = async () => {
    const s = await openStore(config, schemaText());
    await s.close();
    return true;
  };
  await waitFor('spicedb', answering);
  const direct = await openStore(config, schemaText());
  await wipe(direct);
  let rac = startRacAuthz(httpPort, spicedbPort);
  procs.push(rac);
  await waitFor('rac-authz', () => ready(httpPort), 30_000, rac);

  // the firm, through the admin API only
  const o = 'rep:DOWNER1';
  await api(httpPort, 'POST', '/v1/businesses', o, { bn: BN, name: 'Durable & Sons' });
  const roles: Record<string, string> = { DSADMIN: 'senior_admin', DJADMIN: 'junior_admin', DSREP01: 'senior_rep', DJREP01: 'junior_rep', DLIMIT1: 'junior_rep_limited' };
  for (const [rep, role] of Object.entries(roles)) await api(httpPort, 'PUT', `/v1/businesses/${BN}/employees/${rep}`, o, { role });
  await api(httpPort, 'PUT', `/v1/businesses/${BN}/employees/DSREP01/privileges/individual_clients`, o);
  await api(httpPort, 'PUT', `/v1/businesses/${BN}/employees/DJADMIN/privileges/mail`, o);
  await api(httpPort, 'POST', `/v1/businesses/${BN}/employees/DJREP01/disassociate`, o);
  for (const c of CLIENTS) {
    await api(httpPort, 'PUT', `/v1/clients/${c.type}/${c.id}/authorizations/business/${BN}`, `client:${c.type}:${c.id}`, {
      level: 2,
      ...(c.type === 'trust' ? { expiresAt: '2099-12-31T00:00:00Z' } : {}),
    });
  }
  const group = await api(httpPort, 'POST', `/v1/businesses/${BN}/groups`, o, { name: 'Fenced' });
  await api(httpPort, 'PUT', `/v1/businesses/${BN}/groups/${group.groupId}/clients/business/987654321`, o);
  await api(httpPort, 'PUT', `/v1/businesses/${BN}/groups/${group.groupId}/employees/DGROUP1`, o, { role: 'senior_rep' });

  const ask = async () =>
    (await api(httpPort, 'POST', '/v1/check/bulk', undefined, { checks: CHECKS, consistency: { fullyConsistent: true } })).results.map(
      (r: { allowed?: boolean; error?: unknown }) => {
        if (r.error) throw new Error(JSON.stringify(r.error));
        return r.allowed;
      },
    ) as boolean[];
  const before = { relationships: await everything(direct), answers: await ask() };
  expect(before.relationships.length).toBeGreaterThan(20);
  expect(before.answers.filter(Boolean).length).toBeGreaterThan(10);
  expect(before.answers.filter((a) => !a).length).toBeGreaterThan(10);
  await direct.close();

  // hard stop of both
  await rac.kill('SIGKILL');
  await spicedb.kill('SIGKILL');

  spicedb = await startSpiceDb(spicedbPort);
  rac = startRacAuthz(httpPort, spicedbPort);
  procs.push(spicedb, rac);
  await waitFor('rac-authz after restart', () => ready(httpPort), 60_000, rac);
  const again = await openStore(config, schemaText());
  const after = { relationships: await everything(again), answers: await ask() };
  await again.close();

  expect(after.relationships).toEqual(before.relationships);
  expect(after.answers).toEqual(before.answers);
  process.stdout.write(
    `durability: ${before.relationships.length} relationships and ${CHECKS.length} check answers identical after SIGKILL of rac-authz and SpiceDB\n`,
  );
});
