// Admin API scenarios end to end: registration status, re-association, privileges, BN groups,
// client authorizations and requests, lookups, consistency tokens and audit events.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import { Api } from './support/api.js';
import request from 'supertest';
import { bearer, KEYS, startTestApp, type TestApp } from './support/app.js';

const SIN = '046454286';
const SIN2 = '130692544';
const SIN3 = '193456787';
let t: TestApp;
let api: Api;
let clock = 0; // ms added to the service's clock (for lapsing requests)

beforeAll(async () => {
  t = await startTestApp({ now: () => new Date(Date.now() + clock) });
  api = new Api(t.app);
});
afterAll(async () => {
  await t.close();
});

let nextBn = 700000000;
/** registers a firm through the API: owner, senior admin, junior admin, senior rep (individual_clients), junior rep */
async function firm() {
  const bn = String(nextBn++);
  const n = bn.slice(-3);
  const f = { bn, owner: `OWN${n}0`, seniorAdmin: `SAD${n}0`, juniorAdmin: `JAD${n}0`, seniorRep: `SRE${n}0`, juniorRep: `JRE${n}0` };
  await api.ok(201, `rep:${f.owner}`, 'post', '/v1/businesses', { bn, name: `Firm ${n}` });
  const o = `rep:${f.owner}`;
  await api.ok(201, o, 'put', `/v1/businesses/${bn}/employees/${f.seniorAdmin}`, { role: 'senior_admin' });
  await api.ok(201, o, 'put', `/v1/businesses/${bn}/employees/${f.juniorAdmin}`, { role: 'junior_admin' });
  await api.ok(201, o, 'put', `/v1/businesses/${bn}/employees/${f.seniorRep}`, { role: 'senior_rep' });
  await api.ok(201, o, 'put', `/v1/businesses/${bn}/employees/${f.seniorRep}/privileges/individual_clients`);
  await api.ok(201, o, 'put', `/v1/businesses/${bn}/employees/${f.juniorRep}`, { role: 'junior_rep' });
  return f;
}
const authorize = (type: string, id: string, bn: string, level = 2, expiresAt?: string) =>
  api.ok(201, `client:${type}:${id}`, 'put', `/v1/clients/${type}/${id}/authorizations/business/${bn}`, { level, ...(expiresAt ? { expiresAt } : {}) });
const view = (rep: string, type: string, id: string) => api.check({ rep, permission: 'view', client: { type, id } });

describe('registration', () => {
  it('registers once (409 after), reads and renames, with the owner listed', async () => {
    const f = await firm();
    const again = await api.as('rep:OTHER01', 'post', '/v1/businesses', { bn: f.bn, name: 'Squatter' });
    expect(again.status).toBe(409);
    const got = await api.ok(200, `rep:${f.seniorAdmin}`, 'get', `/v1/businesses/${f.bn}`);
    expect(got.body).toEqual({ bn: f.bn, name: `Firm ${f.bn.slice(-3)}`, status: 'active' });
    const renamed = await api.ok(200, `rep:${f.owner}`, 'patch', `/v1/businesses/${f.bn}`, { name: 'Émile & Fils — Impôts' });
    expect(renamed.body).toMatchObject({ name: 'Émile & Fils — Impôts', consistencyToken: expect.any(String) });
    expect(renamed.headers['rac-consistency-token']).toBe(renamed.body.consistencyToken);
    expect((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}`)).body.name).toBe('Émile & Fils — Impôts');
    expect((await api.as(`rep:${f.juniorAdmin}`, 'get', `/v1/businesses/${f.bn}`)).status).toBe(403);
  });

  it('suspension: only the owner suspends and unsuspends; nothing reaches a client meanwhile; nothing is lost', async () => {
    const f = await firm();
    await authorize('individual', SIN, f.bn);
    expect(await view(f.seniorRep, 'individual', SIN)).toBe(true);
    expect((await api.as(`rep:${f.seniorAdmin}`, 'post', `/v1/businesses/${f.bn}/suspend`)).status).toBe(403);
    const s = await api.ok(200, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/suspend`);
    expect(s.body).toMatchObject({ bn: f.bn, status: 'suspended' });
    expect(await view(f.seniorRep, 'individual', SIN)).toBe(false);
    expect(await view(f.owner, 'individual', SIN)).toBe(false);
    // employee management is frozen: no new association of any role, owner included (an owner
    // may manage the registration while suspended, but not make another owner then), no change
    for (const role of ['junior_rep_limited', 'junior_rep', 'senior_rep', 'junior_admin', 'senior_admin', 'owner']) {
      expect({ role, status: (await api.as(`rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/NEWREP1`, { role })).status }).toEqual({ role, status: 403 });
    }
    expect((await api.as(`rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${f.seniorRep}`, { role: 'owner' })).status).toBe(403);
    expect((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees.map((e: { repId: string }) => e.repId)).not.toContain('NEWREP1');
    // nor may anyone but the owner lift it
    for (const who of [f.seniorAdmin, f.juniorAdmin, f.seniorRep]) {
      expect((await api.as(`rep:${who}`, 'post', `/v1/businesses/${f.bn}/unsuspend`)).status).toBe(403);
    }
    expect((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}`)).body.status).toBe('suspended');
    const u = await api.ok(200, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/unsuspend`);
    expect(u.body.status).toBe('active');
    expect(await view(f.seniorRep, 'individual', SIN)).toBe(true);
  });

  it('cancellation removes associations, privileges and groups; authorizations stay but grant nothing until re-registered and re-associated', async () => {
    const f = await firm();
    await authorize('individual', SIN2, f.bn);
    const g = await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Team' });
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${g.body.groupId}/employees/${f.juniorRep}`);
    const c = await api.ok(200, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/cancel`);
    expect(c.body.status).toBe('cancelled');
    expect(await view(f.owner, 'individual', SIN2)).toBe(false);
    expect(await view(f.seniorRep, 'individual', SIN2)).toBe(false);
    // re-registration by someone else starts from an empty firm
    await api.ok(201, 'rep:NEWOWN1', 'post', '/v1/businesses', { bn: f.bn, name: 'Reborn' });
    const list = await api.ok(200, 'rep:NEWOWN1', 'get', `/v1/businesses/${f.bn}/employees`);
    expect(list.body.employees).toEqual([{ repId: 'NEWOWN1', role: 'owner', status: 'active', privileges: [], groups: [] }]);
    expect(await view(f.seniorRep, 'individual', SIN2)).toBe(false);
    // the client's authorization was kept: the new owner reaches the client
    expect(await view('NEWOWN1', 'individual', SIN2)).toBe(true);
  });
});

describe('employees', () => {
  it('re-association restores exactly the role and privileges; a role change to the limited role drops privileges', async () => {
    const f = await firm();
    await authorize('individual', SIN, f.bn);
    const o = `rep:${f.owner}`;
    const before = (await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees.find((e: { repId: string }) => e.repId === f.seniorRep);
    await api.ok(200, `rep:${f.juniorAdmin}`, 'post', `/v1/businesses/${f.bn}/employees/${f.seniorRep}/disassociate`);
    expect(await api.check({ rep: f.seniorRep, permission: 'list', client: { type: 'individual', id: SIN } })).toBe(false);
    await api.ok(200, `rep:${f.juniorAdmin}`, 'post', `/v1/businesses/${f.bn}/employees/${f.seniorRep}/reassociate`);
    const after = (await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees.find((e: { repId: string }) => e.repId === f.seniorRep);
    expect(after).toEqual(before);
    expect(await api.check({ rep: f.seniorRep, permission: 'list', client: { type: 'individual', id: SIN } })).toBe(true);

    const limited = await api.ok(200, o, 'put', `/v1/businesses/${f.bn}/employees/${f.seniorRep}`, { role: 'junior_rep_limited' });
    expect(limited.body).toMatchObject({ role: 'junior_rep_limited', privileges: [] });
    const priv = await api.as(o, 'put', `/v1/businesses/${f.bn}/employees/${f.seniorRep}/privileges/mail`);
    expect(priv.status).toBe(409);
  });

  it('PUT is idempotent: the same role again is 200 and changes nothing; never two roles', async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    const again = await api.ok(200, o, 'put', `/v1/businesses/${f.bn}/employees/${f.juniorRep}`, { role: 'junior_rep' });
    expect(again.body).toMatchObject({ repId: f.juniorRep, role: 'junior_rep' });
    await api.ok(200, o, 'put', `/v1/businesses/${f.bn}/employees/${f.juniorRep}`, { role: 'senior_rep' });
    const emp = (await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees.filter((e: { repId: string }) => e.repId === f.juniorRep);
    expect(emp).toEqual([expect.objectContaining({ role: 'senior_rep' })]);
    expect(await api.check({ rep: f.juniorRep, permission: 'view_employees', business: f.bn })).toBe(false);
  });

  it('privileges: assign 201, again 200, remove 204; needs assign_privileges', async () => {
    const f = await firm();
    const path = `/v1/businesses/${f.bn}/employees/${f.juniorRep}/privileges/trust_clients`;
    expect((await api.as(`rep:${f.juniorAdmin}`, 'put', path)).status).toBe(403);
    expect((await api.ok(201, `rep:${f.seniorAdmin}`, 'put', path)).body.consistencyToken).toEqual(expect.any(String));
    await api.ok(200, `rep:${f.seniorAdmin}`, 'put', path);
    expect(await api.check({ rep: f.juniorRep, permission: 'view_client_list', business: f.bn })).toBe(true);
    await api.ok(204, `rep:${f.seniorAdmin}`, 'delete', path);
    expect(await api.check({ rep: f.juniorRep, permission: 'view_client_list', business: f.bn })).toBe(false);
    expect((await api.as(`rep:${f.seniorAdmin}`, 'put', `/v1/businesses/${f.bn}/employees/NOTEMP1/privileges/mail`)).status).toBe(404);
  });

  it('an owner or senior administrator already holds every privilege: assigning one is 200 and stores nothing, so a later demotion brings none with it', async () => {
    const f = await firm();
    const sin = '287000012';
    await authorize('individual', sin, f.bn);
    const employee = async (rep: string) =>
      ((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep);
    // a senior administrator giving itself privileges, an owner giving the owner one
    for (const p of ['individual_clients', 'mail']) {
      const res = await api.ok(200, `rep:${f.seniorAdmin}`, 'put', `/v1/businesses/${f.bn}/employees/${f.seniorAdmin}/privileges/${p}`);
      expect(res.body.consistencyToken).toEqual(expect.any(String));
    }
    await api.ok(200, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${f.owner}/privileges/trust_clients`);
    expect(await employee(f.seniorAdmin)).toMatchObject({ role: 'senior_admin', privileges: [] });
    expect(await employee(f.owner)).toMatchObject({ privileges: [] });
    expect(await api.check({ rep: f.seniorAdmin, permission: 'list', client: { type: 'individual', id: sin } })).toBe(true);
    // demoted, it holds what a junior representative holds: no privilege
    await api.ok(200, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${f.seniorAdmin}`, { role: 'junior_rep' });
    expect(await api.check({ rep: f.seniorAdmin, permission: 'list', client: { type: 'individual', id: sin } })).toBe(false);
    expect(await api.check({ rep: f.seniorAdmin, permission: 'access_mail', business: f.bn })).toBe(false);
    expect(await view(f.seniorAdmin, 'individual', sin)).toBe(true);
    // the control: a business senior administrator with a lower role in a BN group holds
    // privileges there only as assigned, so it may be given one (201, stored)
    const sa2 = `SAG${f.bn.slice(-3)}0`;
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${sa2}`, { role: 'senior_admin' });
    const gid = (await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Lower' })).body.groupId as string;
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${sa2}`, { role: 'junior_rep' });
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${sa2}/privileges/individual_clients`);
    expect(await employee(sa2)).toMatchObject({ privileges: ['individual_clients'] });
  }, 30_000);
});

describe('BN groups', () => {
  it('fences clients: only owners and group members reach them; deleting the group un-fences', async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    await authorize('business', '888777666', f.bn);
    const g = await api.ok(201, `rep:${f.seniorAdmin}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Payroll' });
    expect(g.body).toEqual({ groupId: expect.stringMatching(/^[a-z0-9]+$/), name: 'Payroll', consistencyToken: expect.any(String) });
    const gid = g.body.groupId as string;
    // a client that has not authorized the business cannot be fenced
    const no = await api.as(o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/clients/business/111222333`);
    expect(no.status).toBe(409);
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/clients/business/888777666`);
    await api.ok(200, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/clients/business/888777666`);
    expect(await view(f.seniorRep, 'business', '888777666')).toBe(false);
    expect(await view(f.seniorAdmin, 'business', '888777666')).toBe(false);
    expect(await view(f.owner, 'business', '888777666')).toBe(true);
    // member with the business role; a group-only rep with a group role
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${f.juniorRep}`);
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/GONLY01`, { role: 'senior_rep' });
    expect(await view(f.juniorRep, 'business', '888777666')).toBe(true);
    expect(await api.check({ rep: f.juniorRep, permission: 'update', client: { type: 'business', id: '888777666' } })).toBe(false);
    expect(await api.check({ rep: 'GONLY01', permission: 'update', client: { type: 'business', id: '888777666' } })).toBe(true);
    // without a role, the rep must be an employee
    expect((await api.as(o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/NOBODY1`)).status).toBe(409);
    // a junior admin may not manage groups
    expect((await api.as(`rep:${f.juniorAdmin}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'X' })).status).toBe(403);
    const list = await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`);
    expect(list.body.employees.find((e: { repId: string }) => e.repId === 'GONLY01')).toEqual({
      repId: 'GONLY01',
      role: null,
      status: 'active',
      privileges: [],
      groups: [{ groupId: gid, role: 'senior_rep' }],
    });
    await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
    expect(await view(f.seniorRep, 'business', '888777666')).toBe(true);
    expect(await view('GONLY01', 'business', '888777666')).toBe(false);
  });

  it('deleting a group that is not there still answers a consistency token, at which it is absent (every write returns one)', async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    const g = await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Twice' });
    const gid = g.body.groupId as string;
    await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
    const again = await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
    const token = again.headers['rac-consistency-token'];
    expect(token).toEqual(expect.any(String));
    expect(token).not.toBe('');
    const never = await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/gnothere`);
    expect(never.headers['rac-consistency-token']).toEqual(expect.any(String));
    // the tokens are ones SpiceDB accepts (a made-up one is a 400), and the group is gone at them
    for (const tok of [token, never.headers['rac-consistency-token']] as string[]) {
      const checked = await request(t.app).post('/v1/check').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', tok).send({ rep: f.owner, permission: 'manage_groups', business: f.bn });
      expect({ status: checked.status, allowed: checked.body.allowed }).toEqual({ status: 200, allowed: true });
    }
    expect((await api.as(o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${f.juniorRep}`)).status).toBe(404);
  });

  it('bulk assignment is all or nothing', async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    await authorize('trust', 'T00000001', f.bn);
    await authorize('trust', 'T00000002', f.bn);
    const gid = (await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Trusts' })).body.groupId;
    const bad = await api.as(o, 'post', `/v1/businesses/${f.bn}/groups/${gid}/clients`, {
      clients: [{ type: 'trust', id: 'T00000001' }, { type: 'trust', id: 'T00000003' }],
    });
    expect(bad.status).toBe(409);
    expect(bad.body.detail).toBe(`1 client(s) have not authorized business ${f.bn} (positions 1)`);
    expect(await view(f.seniorRep, 'trust', 'T00000001')).toBe(true); // nothing was fenced
    // positions are the request's, repeats included
    const repeated = await api.as(o, 'post', `/v1/businesses/${f.bn}/groups/${gid}/clients`, {
      clients: [{ type: 'trust', id: 'T00000001' }, { type: 'trust', id: 'T00000001' }, { type: 'trust', id: 'T00000003' }, { type: 'trust', id: 'T00000003' }],
    });
    expect(repeated.body.detail).toBe(`1 client(s) have not authorized business ${f.bn} (positions 2, 3)`);
    const one = await api.as(o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/clients/trust/T00000003`);
    expect(one.status).toBe(409);
    expect(one.body.detail).toBe(`the client has not authorized business ${f.bn}`);
    const ok = await api.ok(200, o, 'post', `/v1/businesses/${f.bn}/groups/${gid}/clients`, {
      clients: [{ type: 'trust', id: 'T00000001' }, { type: 'trust', id: 'T00000002' }],
    });
    expect(ok.body.assigned).toBe(2);
    expect(await view(f.seniorRep, 'trust', 'T00000001')).toBe(false);
    expect(await view(f.seniorRep, 'trust', 'T00000002')).toBe(false);
  });

  it('a batch of up to 1000: the write always holds the actor\'s standing and every client\'s group state, or is refused whole (409, saying how many fit)', async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    const clients = Array.from({ length: 1000 }, (_, i) => ({ type: 'trust' as const, id: `T${String(20000000 + i)}` }));
    const rels = clients.flatMap((c) => facts.businessAuthorization({ type: c.type, key: c.id }, f.bn, 1));
    for (let i = 0; i < rels.length; i += 1000) await t.store.write(rels.slice(i, i + 1000).map((relationship) => ({ operation: 'touch' as const, relationship })));
    const gid = (await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Many' })).body.groupId;
    const all = await api.as(o, 'post', `/v1/businesses/${f.bn}/groups/${gid}/clients`, { clients });
    expect(all.status).toBe(409);
    const fits = Number(/send at most (\d+) clients at once/.exec(all.body.detail)?.[1]);
    // the actor's standing takes a handful of conditions: the rest is one per client
    expect(fits).toBeGreaterThan(990);
    expect(fits).toBeLessThan(1000);
    expect(await view(f.seniorRep, 'trust', clients[0]!.id)).toBe(true); // nothing was fenced
    const ok = await api.ok(200, o, 'post', `/v1/businesses/${f.bn}/groups/${gid}/clients`, { clients: clients.slice(0, fits) });
    expect(ok.body.assigned).toBe(fits);
    expect(await view(f.seniorRep, 'trust', clients[fits - 1]!.id)).toBe(false);
    expect(await view(f.seniorRep, 'trust', clients[fits]!.id)).toBe(true);
  }, 60_000);
});

describe('an employee is every association it holds in the business (business and BN groups)', () => {
  /** a firm with a group, a client fenced into it, and `rep` associated to the group with `groupRole` */
  async function fenced(groupRole: string, businessRole?: string) {
    const f = await firm();
    const o = `rep:${f.owner}`;
    const rep = `GX${f.bn.slice(-3)}01`;
    const client = `9${f.bn.slice(-8)}`; // a business client's BN, one per firm
    await authorize('business', client, f.bn);
    const g = await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Fenced' });
    const gid = g.body.groupId as string;
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/clients/business/${client}`);
    if (businessRole) await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/employees/${rep}`, { role: businessRole });
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`, { role: groupRole });
    const reaches = () => view(rep, 'business', client);
    expect(await reaches()).toBe(groupRole !== 'junior_rep_limited');
    return { f, o, rep, gid, client, reaches, path: `/v1/businesses/${f.bn}/employees/${rep}` };
  }

  it('a junior administrator may not disassociate, re-associate or delete an employee who is an administrator in a group', async () => {
    const { f, o, path, reaches } = await fenced('senior_admin', 'junior_rep');
    const ja = `rep:${f.juniorAdmin}`;
    expect((await api.as(ja, 'post', `${path}/disassociate`)).status).toBe(403);
    expect((await api.as(ja, 'delete', path)).status).toBe(403);
    await api.ok(200, o, 'post', `${path}/disassociate`);
    expect(await reaches()).toBe(false);
    expect((await api.as(ja, 'post', `${path}/reassociate`)).status).toBe(403);
    expect(await reaches()).toBe(false);
  });

  it('a junior administrator may not give or change the business role of an employee who is an administrator in a group (it acts on an administrator)', async () => {
    const groupOnly = await fenced('senior_admin');
    const ja = `rep:${groupOnly.f.juniorAdmin}`;
    expect((await api.as(ja, 'put', groupOnly.path, { role: 'junior_rep' })).status).toBe(403);
    const both = await fenced('junior_admin', 'junior_rep');
    expect((await api.as(`rep:${both.f.juniorAdmin}`, 'put', both.path, { role: 'senior_rep' })).status).toBe(403);
    const employee = async (x: typeof both) =>
      ((await api.ok(200, x.o, 'get', `/v1/businesses/${x.f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === x.rep);
    expect(await employee(both)).toMatchObject({ role: 'junior_rep' });
    expect(await employee(groupOnly)).toMatchObject({ role: null });
    // a senior administrator may; and a junior administrator may for a representative in a group
    await api.ok(201, `rep:${groupOnly.f.seniorAdmin}`, 'put', groupOnly.path, { role: 'junior_rep' });
    const rep = await fenced('senior_rep');
    await api.ok(201, `rep:${rep.f.juniorAdmin}`, 'put', rep.path, { role: 'junior_rep' });
    await api.ok(200, `rep:${rep.f.juniorAdmin}`, 'put', rep.path, { role: 'senior_rep' });
  }, 30_000);

  it('an employee whose every association went is associated again active: a disassociation record it left behind does not carry over', async () => {
    for (const how of ['group association deleted', 'group deleted', 'then associated to a group'] as const) {
      const { f, o, rep, gid, path, reaches } = await fenced('junior_rep');
      const sin = '287000004';
      await authorize('individual', sin, f.bn);
      await api.ok(200, o, 'post', `${path}/disassociate`);
      expect(await reaches()).toBe(false);
      if (how === 'group deleted') await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
      else await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`);
      const listed = async () => ((await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep);
      if (how === 'then associated to a group') {
        // a group association of its own, the first association it holds again: active too
        await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`, { role: 'junior_rep' });
        expect(await listed()).toEqual(expect.objectContaining({ role: null, status: 'active' }));
        expect(await reaches()).toBe(true);
        continue;
      }
      const put = await api.ok(201, `rep:${f.juniorAdmin}`, 'put', path, { role: 'junior_rep' });
      expect([how, put.body]).toEqual([how, expect.objectContaining({ role: 'junior_rep', disassociated: false })]);
      expect([how, await listed()]).toEqual([how, expect.objectContaining({ role: 'junior_rep', status: 'active' })]);
      expect([how, await view(rep, 'individual', sin)]).toEqual([how, true]);
    }
    // the control: while a group association remains, the employee is still disassociated, and a
    // business role given meanwhile reaches nothing until it is re-associated
    const { f, o, rep, path, reaches } = await fenced('junior_rep');
    const sin = '287000004';
    await authorize('individual', sin, f.bn);
    await api.ok(200, o, 'post', `${path}/disassociate`);
    const put = await api.ok(201, `rep:${f.juniorAdmin}`, 'put', path, { role: 'junior_rep' });
    expect(put.body).toMatchObject({ role: 'junior_rep', disassociated: true });
    expect(await view(rep, 'individual', sin)).toBe(false);
    expect(await reaches()).toBe(false);
    await api.ok(200, o, 'post', `${path}/reassociate`);
    expect(await view(rep, 'individual', sin)).toBe(true);
  }, 60_000);

  it('deleting a disassociated employee never gives back what a group association reached: the employee leaves the business whole', async () => {
    const { f, o, path, reaches, rep } = await fenced('senior_admin', 'junior_rep');
    await api.ok(200, o, 'post', `${path}/disassociate`);
    expect(await reaches()).toBe(false);
    await api.ok(204, o, 'delete', path);
    expect(await reaches()).toBe(false);
    const list = await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`);
    expect(list.body.employees.map((e: { repId: string }) => e.repId)).not.toContain(rep);
  });

  it('an employee associated to a group alone is disassociated, re-associated, given privileges and deleted like any other', async () => {
    const { f, o, path, reaches, rep, client } = await fenced('junior_rep');
    await api.ok(200, o, 'post', `${path}/disassociate`);
    expect(await reaches()).toBe(false);
    await api.ok(200, o, 'post', `${path}/reassociate`);
    expect(await reaches()).toBe(true);
    // a junior administrator may act on a representative, group-only or not
    await api.ok(200, `rep:${f.juniorAdmin}`, 'post', `${path}/disassociate`);
    await api.ok(200, `rep:${f.juniorAdmin}`, 'post', `${path}/reassociate`);
    const list = () => api.check({ rep, permission: 'list', client: { type: 'business', id: client } });
    expect(await list()).toBe(false);
    await api.ok(201, `rep:${f.seniorAdmin}`, 'put', `${path}/privileges/business_clients`);
    expect(await list()).toBe(true);
    await api.ok(204, o, 'delete', path);
    expect(await reaches()).toBe(false);
    expect(await list()).toBe(false);
  });

  it('an employee associated to BN groups only may submit authorization requests for the business, and nothing else of the business', async () => {
    for (const role of ['junior_rep_limited', 'senior_admin']) {
      const { f, o, rep, gid, path } = await fenced(role);
      const ask = (permission: string) => api.check({ rep, permission, business: f.bn });
      const requestFor = (id: string) =>
        api.as(`rep:${rep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id }, level: 1 });
      expect(await ask('request_authorization')).toBe(true);
      expect((await requestFor('T10000001')).status).toBe(201);
      // the group's role gives no other business function (the business association does)
      for (const other of ['view_employees', 'associate_representatives', 'manage_groups', 'view_client_list', 'access_mail']) {
        expect({ role, other, allowed: await ask(other) }).toEqual({ role, other, allowed: false });
      }
      // disassociated from the business: every association ends, this one too; re-associated: back
      await api.ok(200, o, 'post', `${path}/disassociate`);
      expect(await ask('request_authorization')).toBe(false);
      expect((await requestFor('T10000002')).status).toBe(403);
      await api.ok(200, o, 'post', `${path}/reassociate`);
      expect(await ask('request_authorization')).toBe(true);
      // suspended: no business function; unsuspended: back
      await api.ok(200, o, 'post', `/v1/businesses/${f.bn}/suspend`);
      expect(await ask('request_authorization')).toBe(false);
      await api.ok(200, o, 'post', `/v1/businesses/${f.bn}/unsuspend`);
      expect(await ask('request_authorization')).toBe(true);
      // out of the group: nothing
      await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`);
      expect(await ask('request_authorization')).toBe(false);
      // in it again, then the group deleted: nothing
      await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`, { role });
      expect(await ask('request_authorization')).toBe(true);
      await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
      expect(await ask('request_authorization')).toBe(false);
      expect((await requestFor('T10000003')).status).toBe(403);
    }
  }, 60_000);

  it('a group written before the business linked its groups gets its link when an employee is next associated to it', async () => {
    const { f, o, rep, gid } = await fenced('junior_rep_limited');
    const ask = () => api.check({ rep, permission: 'request_authorization', business: f.bn });
    expect(await ask()).toBe(true);
    // as an older version left it: the group without the business's link
    await t.store.write([{ operation: 'delete', relationship: facts.groupLink(f.bn, gid) }]);
    // written past the API (no token to read it with): asked fully consistent
    expect(await api.check({ rep, permission: 'request_authorization', business: f.bn, consistency: { fullyConsistent: true } })).toBe(false);
    await api.ok(200, o, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep}`, { role: 'junior_rep_limited' });
    expect(await ask()).toBe(true);
  });

  it('a group left behind without its fence (say, by an import) neither grants a request nor blocks one a live group grants', async () => {
    const { f, rep } = await fenced('junior_rep_limited');
    const dead = 'deadgrp1';
    await t.store.write(
      [facts.group(f.bn, dead)[0]!, facts.groupLink(f.bn, dead), facts.groupAssociation(f.bn, dead, rep, 'senior_rep')].map((relationship) => ({
        operation: 'touch' as const,
        relationship,
      })),
    );
    const res = await api.as(`rep:${rep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T10000009' }, level: 1 });
    expect(res.status).toBe(201);
    // and a rep associated to the dead group alone may submit none
    const onlyDead = `GD${f.bn.slice(-3)}01`;
    await t.store.write([{ operation: 'touch' as const, relationship: facts.groupAssociation(f.bn, dead, onlyDead, 'senior_rep') }]);
    const refused = await api.as(`rep:${onlyDead}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T10000008' }, level: 1 });
    expect(refused.status).toBe(403);
  });

  it('a cancelled registration ends a group-only employee\'s right to submit requests, and a new registration starts without it', async () => {
    const { f, o, rep } = await fenced('junior_rep');
    const ask = () => api.check({ rep, permission: 'request_authorization', business: f.bn });
    expect(await ask()).toBe(true);
    await api.ok(200, o, 'post', `/v1/businesses/${f.bn}/cancel`);
    expect(await ask()).toBe(false);
    // the cancellation removed the business's links to its groups with the groups
    const links = [];
    for await (const r of t.store.readRelationships({ resourceType: 'business', resourceId: f.bn, relation: 'group' }, { kind: 'fullyConsistent' })) links.push(r);
    expect(links).toEqual([]);
    await api.ok(201, o, 'post', '/v1/businesses', { bn: f.bn, name: 'Again' });
    expect(await ask()).toBe(false);
  }, 30_000);

  it('a group-only junior_rep_limited can never hold a privilege (409); a rep with no association at all is 404', async () => {
    const { f, path } = await fenced('junior_rep_limited');
    expect((await api.as(`rep:${f.seniorAdmin}`, 'put', `${path}/privileges/mail`)).status).toBe(409);
    expect((await api.as(`rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/employees/NOBODY9/disassociate`)).status).toBe(404);
  }, 30_000);

  it('deleting a group deletes its associations with their privileges: an employee left with none (or only the limited role) keeps no privilege to bring into a new association', async () => {
    const { f, o, rep, gid, path } = await fenced('junior_rep');
    await api.ok(201, `rep:${f.seniorAdmin}`, 'put', `${path}/privileges/individual_clients`);
    // a second group, where the rep holds the limited role only
    const g2 = (await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Limited' })).body.groupId as string;
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${g2}/employees/${rep}`, { role: 'junior_rep_limited' });
    const employee = async () => ((await api.ok(200, o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep);
    expect(await employee()).toMatchObject({ privileges: ['individual_clients'] });
    await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${gid}`);
    // left with the limited role only: it can never hold a privilege
    expect(await employee()).toMatchObject({ role: null, privileges: [], groups: [{ groupId: g2, role: 'junior_rep_limited' }] });
    await api.ok(204, o, 'delete', `/v1/businesses/${f.bn}/groups/${g2}`);
    expect(await employee()).toBeUndefined();
    // a junior administrator associating the rep again gives a new association, without privileges
    const put = await api.ok(201, `rep:${f.juniorAdmin}`, 'put', path, { role: 'junior_rep' });
    expect(put.body).toMatchObject({ role: 'junior_rep', privileges: [] });
    const sin = '287000004'; // a client of this test's own
    await authorize('individual', sin, f.bn);
    expect(await api.check({ rep, permission: 'list', client: { type: 'individual', id: sin } })).toBe(false);
    expect(await view(rep, 'individual', sin)).toBe(true);
  }, 30_000);

  it('a new association starts without privileges, even where an earlier one left some behind (an interrupted clean-up, an import)', async () => {
    const f = await firm();
    const rep = `LEFT${f.bn.slice(-3)}`;
    // a privilege with no association: what an interrupted clean-up or an old import leaves
    await t.store.write([{ operation: 'touch', relationship: facts.privilege(f.bn, rep, 'trust_clients') }]);
    const put = await api.ok(201, `rep:${f.juniorAdmin}`, 'put', `/v1/businesses/${f.bn}/employees/${rep}`, { role: 'junior_rep' });
    expect(put.body).toMatchObject({ role: 'junior_rep', privileges: [] });
    const listed = ((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep);
    expect(listed).toMatchObject({ privileges: [] });
    // the same through a group association
    const rep2 = `LEFU${f.bn.slice(-3)}`;
    await t.store.write([{ operation: 'touch', relationship: facts.privilege(f.bn, rep2, 'trust_clients') }]);
    const gid = (await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'G' })).body.groupId as string;
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep2}`, { role: 'junior_rep' });
    const listed2 = ((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep2);
    expect(listed2).toMatchObject({ privileges: [] });
  }, 30_000);

  it('privileges found on an employee whose every role is the limited one are left behind too: a role change away from it starts without them', async () => {
    const f = await firm();
    const rep = `LIMB${f.bn.slice(-3)}`;
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/employees/${rep}`, { role: 'junior_rep_limited' });
    // what an import can write beside it (the import checks each line, not the employee's whole state)
    await t.store.write([{ operation: 'touch', relationship: facts.privilege(f.bn, rep, 'individual_clients') }]);
    const put = await api.ok(200, `rep:${f.juniorAdmin}`, 'put', `/v1/businesses/${f.bn}/employees/${rep}`, { role: 'junior_rep' });
    expect(put.body).toMatchObject({ role: 'junior_rep', privileges: [] });
    // the same with a group association of the limited role alone
    const rep2 = `LIMC${f.bn.slice(-3)}`;
    const gid = (await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'G' })).body.groupId as string;
    await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep2}`, { role: 'junior_rep_limited' });
    await t.store.write([{ operation: 'touch', relationship: facts.privilege(f.bn, rep2, 'individual_clients') }]);
    await api.ok(200, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${gid}/employees/${rep2}`, { role: 'junior_rep' });
    const listed = ((await api.ok(200, `rep:${f.owner}`, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees as Array<{ repId: string }>).find((e) => e.repId === rep2);
    expect(listed).toMatchObject({ privileges: [], groups: [{ groupId: gid, role: 'junior_rep' }] });
  }, 30_000);
});

describe('client authorizations', () => {
  it('levels, replacing (never two), expiry, level 3 for business clients only', async () => {
    const f = await firm();
    const c = `client:individual:${SIN3}`;
    const path = `/v1/clients/individual/${SIN3}/authorizations/business/${f.bn}`;
    const first = await api.ok(201, c, 'put', path, { level: 1 });
    const ref = t.pseudonymize(SIN3);
    expect(first.body).toEqual({
      client: { type: 'individual', ref },
      representative: { business: f.bn },
      level: 1,
      expiresAt: null,
      consistencyToken: expect.any(String),
    });
    expect(first.text).not.toContain(SIN3);
    expect(await api.check({ rep: f.seniorRep, permission: 'update', client: { type: 'individual', id: SIN3 } })).toBe(false);
    await api.ok(200, c, 'put', path, { level: 2 });
    expect(await api.check({ rep: f.seniorRep, permission: 'update', client: { type: 'individual', id: ref } })).toBe(true);
    const mine = await api.ok(200, `client:individual:${ref}`, 'get', `/v1/clients/individual/${SIN3}/authorizations`);
    expect(mine.body.authorizations).toEqual([{ client: { type: 'individual', ref }, representative: { business: f.bn }, level: 2, expiresAt: null }]);
    expect((await api.as(c, 'put', path, { level: 3 })).status).toBe(400);
    expect((await api.as(c, 'put', path, { level: 2, expiresAt: '2001-01-01T00:00:00Z' })).status).toBe(400);
    // another client may not act for this one
    expect((await api.as(`client:individual:${SIN}`, 'put', path, { level: 1 })).status).toBe(403);
    const soon = new Date(Date.now() + 1500).toISOString();
    await api.ok(200, c, 'put', path, { level: 2, expiresAt: soon });
    expect(await view(f.seniorRep, 'individual', SIN3)).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'moves the revision on' });
    // asked fully consistent: a snapshot from before the expiry (what a minimize-latency or
    // at-least-as-fresh answer may use, within SpiceDB's quantization window) would still grant
    expect(await api.check({ rep: f.seniorRep, permission: 'view', client: { type: 'individual', id: SIN3 }, consistency: { fullyConsistent: true } })).toBe(false);
  });

  it('business clients give level 3; RepIDs can be authorized directly', async () => {
    const f = await firm();
    const r = await api.ok(201, 'client:business:123123123', 'put', `/v1/clients/business/123123123/authorizations/business/${f.bn}`, { level: 3 });
    expect(r.body.level).toBe(3);
    expect(await api.check({ rep: f.seniorRep, permission: 'update', client: { type: 'business', id: '123123123' } })).toBe(true);
    await api.ok(201, 'client:trust:T55555555', 'put', '/v1/clients/trust/T55555555/authorizations/rep/DIRECT1', { level: 1 });
    expect(await view('DIRECT1', 'trust', 'T55555555')).toBe(true);
  });

  it('removal: by the client, or by a rep privileged for the client type in that business', async () => {
    const f = await firm();
    await authorize('individual', SIN, f.bn);
    const path = `/v1/clients/individual/${SIN}/authorizations/business/${f.bn}`;
    expect((await api.as(`rep:${f.juniorRep}`, 'delete', path)).status).toBe(403); // no privilege
    await api.ok(204, `rep:${f.seniorRep}`, 'delete', path); // holds individual_clients
    expect(await view(f.owner, 'individual', SIN)).toBe(false);
    await authorize('individual', SIN, f.bn);
    await api.ok(204, `client:individual:${SIN}`, 'delete', path);
    expect(await view(f.owner, 'individual', SIN)).toBe(false);
  });

  it("removal of a RepID's own authorization: by that rep, or by the client; never by another rep", async () => {
    const f = await firm();
    const path = (rep: string) => `/v1/clients/trust/T66666666/authorizations/rep/${rep}`;
    await api.ok(201, 'client:trust:T66666666', 'put', path('DIRECT2'), { level: 1 });
    await api.ok(201, 'client:trust:T66666666', 'put', path('DIRECT3'), { level: 1 });
    expect(await view('DIRECT2', 'trust', 'T66666666')).toBe(true);
    // another rep authorized for the same client, and an owner of a firm that is not: neither removes it
    expect((await api.as('rep:DIRECT3', 'delete', path('DIRECT2'))).status).toBe(403);
    expect((await api.as(`rep:${f.owner}`, 'delete', path('DIRECT2'))).status).toBe(403);
    expect(await view('DIRECT2', 'trust', 'T66666666')).toBe(true);
    // the rep itself
    const own = await api.ok(204, 'rep:DIRECT2', 'delete', path('DIRECT2'));
    expect(own.headers['rac-consistency-token']).toEqual(expect.any(String));
    expect(await view('DIRECT2', 'trust', 'T66666666')).toBe(false);
    expect(await view('DIRECT3', 'trust', 'T66666666')).toBe(true);
    // the client
    await api.ok(204, 'client:trust:T66666666', 'delete', path('DIRECT3'));
    expect(await view('DIRECT3', 'trust', 'T66666666')).toBe(false);
    // a rep no longer authorized cannot remove (it reaches nothing)
    expect((await api.as('rep:DIRECT2', 'delete', path('DIRECT2'))).status).toBe(403);
  });

  it("removal of a firm's authorization is decided in that firm: a privilege or reach elsewhere does not count", async () => {
    // R: senior administrator of firm A; junior rep of firm B holding only trust_clients there
    const a = await firm();
    const b = await firm();
    const r = b.juniorRep;
    await api.ok(201, `rep:${a.owner}`, 'put', `/v1/businesses/${a.bn}/employees/${r}`, { role: 'senior_admin' });
    await api.ok(201, `rep:${b.owner}`, 'put', `/v1/businesses/${b.bn}/employees/${r}/privileges/trust_clients`);
    await authorize('individual', SIN3, a.bn);
    await authorize('individual', SIN3, b.bn);
    const ofB = `/v1/clients/individual/${SIN3}/authorizations/business/${b.bn}`;
    // R may remove individual clients' authorizations in A, and holds a client privilege in B: not this one
    expect((await api.as(`rep:${r}`, 'delete', ofB)).status).toBe(403);
    expect(await view(b.owner, 'individual', SIN3)).toBe(true);
    // the firm's own privileged rep may
    await api.ok(204, `rep:${b.seniorRep}`, 'delete', ofB);
    expect(await view(b.owner, 'individual', SIN3)).toBe(false);
    expect(await view(a.owner, 'individual', SIN3)).toBe(true);
  });

  it("removal respects the BN-group fence: a rep outside the client's group may not remove it, whatever else reaches the client", async () => {
    const f = await firm();
    const o = `rep:${f.owner}`;
    // the senior rep holds individual_clients; the client is fenced into a group it is not in, and
    // also authorized the senior rep's RepID directly (so it views the client, not through the firm)
    await authorize('individual', SIN2, f.bn);
    const g = await api.ok(201, o, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Fenced' });
    await api.ok(201, o, 'put', `/v1/businesses/${f.bn}/groups/${g.body.groupId}/clients/individual/${SIN2}`);
    await api.ok(201, `client:individual:${SIN2}`, 'put', `/v1/clients/individual/${SIN2}/authorizations/rep/${f.seniorRep}`, { level: 1 });
    expect(await view(f.seniorRep, 'individual', SIN2)).toBe(true);
    const ofFirm = `/v1/clients/individual/${SIN2}/authorizations/business/${f.bn}`;
    expect((await api.as(`rep:${f.seniorRep}`, 'delete', ofFirm)).status).toBe(403);
    expect(await view(f.owner, 'individual', SIN2)).toBe(true);
    // the owner reaches fenced clients, and may
    await api.ok(204, o, 'delete', ofFirm);
    expect(await view(f.owner, 'individual', SIN2)).toBe(false);
  });

  it('requests stay pending (granting nothing) until confirmed; confirm without one is 404', async () => {
    const f = await firm();
    const req = await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, {
      client: { type: 'trust', id: 'T77777777' },
      level: 2,
    });
    expect(req.body).toMatchObject({ status: 'pending', expiresAt: expect.any(String) });
    expect(new Date(req.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(13.9 * 86400_000);
    expect(await view(f.seniorRep, 'trust', 'T77777777')).toBe(false);
    const mine = await api.ok(200, 'client:trust:T77777777', 'get', '/v1/clients/trust/T77777777/authorizations');
    expect(mine.body.pendingRequests).toEqual([{ business: f.bn, level: 2, expiresAt: req.body.expiresAt }]);
    await api.ok(200, 'client:trust:T77777777', 'post', `/v1/clients/trust/T77777777/authorization-requests/business/${f.bn}/confirm`);
    expect(await api.check({ rep: f.seniorRep, permission: 'update', client: { type: 'trust', id: 'T77777777' } })).toBe(true);
    const again = await api.as('client:trust:T77777777', 'post', `/v1/clients/trust/T77777777/authorization-requests/business/${f.bn}/confirm`);
    expect(again.status).toBe(404);
  });

  it("confirming a request keeps the expiry the client set on the firm's authorization in force (a request carries none)", async () => {
    const f = await firm();
    const c = 'client:trust:T77777771';
    const until = new Date(Date.now() + 86400_000).toISOString();
    await authorize('trust', 'T77777771', f.bn, 1, until);
    await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T77777771' }, level: 2 });
    const confirmed = await api.ok(200, c, 'post', `/v1/clients/trust/T77777771/authorization-requests/business/${f.bn}/confirm`);
    expect(confirmed.body).toMatchObject({ level: 2, expiresAt: until });
    const mine = await api.ok(200, c, 'get', '/v1/clients/trust/T77777771/authorizations');
    expect(mine.body.authorizations).toEqual([expect.objectContaining({ representative: { business: f.bn }, level: 2, expiresAt: until })]);
    expect(mine.body.pendingRequests).toEqual([]);
    // and it still ends then: an expiry a few seconds away, confirmed over, grants nothing after it
    const soon = new Date(Date.now() + 6000).toISOString();
    await authorize('trust', 'T77777772', f.bn, 1, soon);
    await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T77777772' }, level: 2 });
    await api.ok(200, 'client:trust:T77777772', 'post', `/v1/clients/trust/T77777772/authorization-requests/business/${f.bn}/confirm`);
    expect(await api.check({ rep: f.seniorRep, permission: 'update', client: { type: 'trust', id: 'T77777772' } })).toBe(true);
    await new Promise((r) => setTimeout(r, Date.parse(soon) - Date.now() + 1000));
    expect(await view(f.seniorRep, 'trust', 'T77777772')).toBe(false);
    // an expiry already passed is no authorization in force: the confirmed one has none
    await authorize('trust', 'T77777773', f.bn, 1, new Date(Date.now() + 1000).toISOString());
    await new Promise((r) => setTimeout(r, 1500));
    await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T77777773' }, level: 1 });
    const fresh = await api.ok(200, 'client:trust:T77777773', 'post', `/v1/clients/trust/T77777773/authorization-requests/business/${f.bn}/confirm`);
    expect(fresh.body).toMatchObject({ level: 1, expiresAt: null });
    expect(await view(f.seniorRep, 'trust', 'T77777773')).toBe(true);
  }, 30_000);

  it('a request lapses by SpiceDB expiration, with no timer: confirming after 14 days is 404', async () => {
    const f = await firm();
    // the service's clock runs 14 days behind, less 1.5 s: the request's 14-day expiry falls
    // 1.5 s from now in SpiceDB's real time
    try {
      // the control: a request made the same way whose expiry is 20 s away is confirmable now
      clock = -(14 * 86400_000) + 20_000;
      await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T88888889' }, level: 1 });
      await api.ok(200, 'client:trust:T88888889', 'post', `/v1/clients/trust/T88888889/authorization-requests/business/${f.bn}/confirm`);
      clock = -(14 * 86400_000) + 1500;
      await api.ok(201, `rep:${f.juniorRep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: 'T88888888' }, level: 1 });
      await new Promise((r) => setTimeout(r, 2000));
      const late = await api.as('client:trust:T88888888', 'post', `/v1/clients/trust/T88888888/authorization-requests/business/${f.bn}/confirm`);
      expect(late.status).toBe(404);
    } finally {
      clock = 0;
    }
  });
});

describe('lookups', () => {
  it('GET /v1/reps/{repId}/clients pages with a cursor; GET /v1/clients/{type}/{id}/reps lists reps', async () => {
    const f = await firm();
    const trusts = Array.from({ length: 7 }, (_, i) => `T9${String(i).padStart(7, '0')}`);
    for (const id of trusts) await authorize('trust', id, f.bn, 1);
    await authorize('individual', SIN, f.bn, 1);
    const seen: Array<{ type: string; id: string }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api.read(`/v1/reps/${f.juniorRep}/clients?permission=view&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.clients);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(8);
    expect(seen.filter((c) => c.type === 'trust').map((c) => c.id).sort()).toEqual(trusts);
    expect(seen.find((c) => c.type === 'individual')).toEqual({ type: 'individual', id: t.pseudonymize(SIN) });
    // the owner reaches each client along two paths (as owner, and business-wide): every client
    // still comes out, page after page
    const ownerSeen = new Set<string>();
    cursor = null;
    pages = 0;
    do {
      const res = await api.read(`/v1/reps/${f.owner}/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      for (const c of res.body.clients) ownerSeen.add(`${c.type}:${c.id}`);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(ownerSeen.size).toBe(8);
    const onlyTrusts = await api.read(`/v1/reps/${f.juniorRep}/clients?type=trust&limit=100`);
    expect(onlyTrusts.body.clients).toHaveLength(7);
    expect(onlyTrusts.body.nextCursor).toBeNull();
    expect((await api.read(`/v1/reps/${f.juniorRep}/clients?limit=0`)).status).toBe(400);
    expect((await api.read(`/v1/reps/${f.juniorRep}/clients?cursor=garbage`)).status).toBe(400);

    const reps = await api.read(`/v1/clients/trust/${trusts[0]}/reps?permission=view`);
    expect(reps.body.reps).toEqual([f.juniorAdmin, f.juniorRep, f.owner, f.seniorAdmin, f.seniorRep].sort());
    const updaters = await api.read(`/v1/clients/trust/${trusts[0]}/reps?permission=update`);
    expect(updaters.body.reps).toEqual([]);
    const notices = await api.read(`/v1/clients/trust/${trusts[0]}/reps?permission=view_notices`);
    expect(notices.status).toBe(400);
    const bySin = await api.read(`/v1/clients/individual/${SIN}/reps`);
    expect(bySin.body.reps).toContain(f.juniorRep);
  });

  it('every client type of one listing is read at one revision: a grant made between pages is not in a type begun after it', async () => {
    const f = await firm();
    for (const sin of ['287000012', '287000020']) await authorize('individual', sin, f.bn, 1);
    const first = await api.read(`/v1/reps/${f.juniorRep}/clients?limit=2`);
    expect(first.body.clients.map((c: { type: string }) => c.type)).toEqual(['individual', 'individual']);
    // granted after the listing's first page, in types it has not begun
    await authorize('business', `8${f.bn.slice(-8)}`, f.bn, 1);
    await authorize('trust', `T8${f.bn.slice(-7)}`, f.bn, 1);
    const second = await request(t.app).get(`/v1/reps/${f.juniorRep}/clients?limit=2&cursor=${first.body.nextCursor}`).set(bearer(KEYS.check));
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ clients: [], nextCursor: null });
    // a new listing sees them
    const again = await api.read(`/v1/reps/${f.juniorRep}/clients?limit=10`);
    expect(again.body.clients.map((c: { type: string }) => c.type)).toEqual(['individual', 'individual', 'business', 'trust']);
  });
});

describe('writes are audited and tokened', () => {
  it('every write: one audit event with actor, operation, target, before/after, token, request id; never a SIN', async () => {
    const start = t.audit.length;
    const f = await firm();
    await authorize('individual', SIN, f.bn);
    const events = t.audit.slice(start);
    expect(events.length).toBe(7); // register, 4 employees, 1 privilege, 1 authorization
    for (const e of events) {
      expect(e).toEqual({
        actor: expect.stringMatching(/^(rep:[A-Z0-9]{7}|client:individual:[0-9a-f]{64})$/),
        operation: expect.any(String),
        target: expect.any(String),
        consistencyToken: expect.any(String),
        requestId: expect.any(String),
        ...(e.before !== undefined ? { before: e.before } : {}),
        ...(e.after !== undefined ? { after: e.after } : {}),
      });
    }
    const owner = `rep:${f.owner}`;
    const hired = (role: string) => ({ before: null, after: { role, disassociated: false, privileges: [] } });
    const ref = t.pseudonymize(SIN);
    expect(events.map(({ actor, operation, target, before, after }) => ({ actor, operation, target, before, after }))).toEqual([
      { actor: owner, operation: 'business.register', target: `business:${f.bn}`, before: { status: null }, after: { status: 'active', owners: [f.owner], name: `Firm ${f.bn.slice(-3)}` } },
      { actor: owner, operation: 'employee.put', target: `business:${f.bn}/rep:${f.seniorAdmin}`, ...hired('senior_admin') },
      { actor: owner, operation: 'employee.put', target: `business:${f.bn}/rep:${f.juniorAdmin}`, ...hired('junior_admin') },
      { actor: owner, operation: 'employee.put', target: `business:${f.bn}/rep:${f.seniorRep}`, ...hired('senior_rep') },
      { actor: owner, operation: 'privilege.assign', target: `business:${f.bn}/rep:${f.seniorRep}/individual_clients`, before: { privileges: [] }, after: { privileges: ['individual_clients'] } },
      { actor: owner, operation: 'employee.put', target: `business:${f.bn}/rep:${f.juniorRep}`, ...hired('junior_rep') },
      { actor: `client:individual:${ref}`, operation: 'authorization.put', target: `individual:${ref}/business:${f.bn}`, before: null, after: { level: 2, expiresAt: null } },
    ]);
    // each event's token is the one its write answered: distinct, in order
    expect(new Set(events.map((e) => e.consistencyToken)).size).toBe(events.length);
    expect(JSON.stringify(t.audit)).not.toContain(SIN);
    expect(JSON.stringify(t.logs)).not.toContain(SIN);
  });
});
