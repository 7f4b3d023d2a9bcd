// Admin writes under concurrent change, and the privilege rule across associations:
//  - the acting employee's standing is read before its permission check, so a demotion landing
//    between the check and the write fails the write (409) instead of being taken as the state
//    to keep;
//  - a client fenced into two groups at once ends in one (the other write: 409);
//  - a representative's removal of a fenced client's authorization through a BN group fails when
//    the group goes between the check and the write;
//  - taking privileges away by a change to the limited role acts on every role the employee holds
//    (a junior administrator may not do it to a BN-group administrator);
//  - a BN-group role change or removal that leaves the employee only limited roles drops its
//    privileges, as the business role's change does.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import { collect } from '../src/domain/firm-state.js';
import type { Api } from './support/api.js';
import type { TestApp } from './support/app.js';
import { startRacingApp, type Races } from './support/races.js';
import { FULL } from './support/store.js';

const SIN = '046454286';
let t: TestApp;
let api: Api;
/** the race hooks (support/races.ts): meanwhile before a write of `raced`, afterCheck after a bulk check */
let races: Races;

beforeAll(async () => {
  ({ t, api, races } = await startRacingApp(''));
});
afterAll(async () => {
  await t.close();
});

let nextBn = 742000000;
async function firm() {
  const bn = String(nextBn++);
  const s = bn.slice(-3);
  const owner = `OWN${s}0`;
  const owner2 = `OWN${s}1`;
  const sa = `SAD${s}0`;
  const ja = `JAD${s}0`;
  await api.ok(201, `rep:${owner}`, 'post', '/v1/businesses', { bn, name: 'Races' });
  await api.ok(201, `rep:${owner}`, 'put', `/v1/businesses/${bn}/employees/${owner2}`, { role: 'owner' });
  await api.ok(201, `rep:${owner}`, 'put', `/v1/businesses/${bn}/employees/${sa}`, { role: 'senior_admin' });
  await api.ok(201, `rep:${owner}`, 'put', `/v1/businesses/${bn}/employees/${ja}`, { role: 'junior_admin' });
  return { bn, owner, owner2, sa, ja, o: `rep:${owner}` };
}
/** a new BN group of the firm, by its owner; its id */
const newGroup = async (f: { bn: string; o: string }, name: string) => (await api.ok(201, f.o, 'post', `/v1/businesses/${f.bn}/groups`, { name })).body.groupId as string;
const relationsOf = async (bn: string, rep: string) =>
  (await collect(t.store.readRelationships({ resourceType: 'business', resourceId: bn, subject: { type: 'rep', id: rep } }, FULL))).map((r) => r.relation).sort();
const employee = async (f: { bn: string; o: string }, rep: string) =>
  (await api.ok(200, f.o, 'get', `/v1/businesses/${f.bn}/employees`)).body.employees.find((e: { repId: string }) => e.repId === rep);

describe('the actor demoted between its permission check and the write', () => {
  it('a senior administrator demoted to junior administrator cannot finish associating a senior administrator', async () => {
    const f = await firm();
    races.afterCheck = async () => {
      await api.ok(200, f.o, 'put', `/v1/businesses/${f.bn}/employees/${f.sa}`, { role: 'junior_admin' });
    };
    const res = await api.as(`rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/employees/NEWADM1`, { role: 'senior_admin' });
    expect(races.afterCheck).toBeUndefined();
    expect(res.status).toBe(409);
    expect(await relationsOf(f.bn, 'NEWADM1')).toEqual([]);
  });

  it('an owner demoted to senior administrator cannot finish cancelling the registration', async () => {
    const f = await firm();
    races.afterCheck = async () => {
      await api.ok(200, f.o, 'put', `/v1/businesses/${f.bn}/employees/${f.owner2}`, { role: 'senior_admin' });
    };
    const res = await api.as(`rep:${f.owner2}`, 'post', `/v1/businesses/${f.bn}/cancel`);
    expect(races.afterCheck).toBeUndefined();
    expect(res.status).toBe(409);
    expect((await api.ok(200, f.o, 'get', `/v1/businesses/${f.bn}`)).body.status).toBe('active');
  });

  it('a senior administrator demoted to junior representative cannot finish assigning a privilege', async () => {
    const f = await firm();
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/REPXXX1`, { role: 'junior_rep' });
    races.afterCheck = async () => {
      await api.ok(200, f.o, 'put', `/v1/businesses/${f.bn}/employees/${f.sa}`, { role: 'junior_rep' });
    };
    const res = await api.as(`rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/employees/REPXXX1/privileges/individual_clients`);
    expect(races.afterCheck).toBeUndefined();
    expect(res.status).toBe(409);
    expect(await relationsOf(f.bn, 'REPXXX1')).toEqual(['junior_rep']);
  });

  it('undemoted, the same commands go through (the races above are what refuse them)', async () => {
    const f = await firm();
    await api.ok(201, `rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/employees/NEWADM1`, { role: 'senior_admin' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/REPXXX1`, { role: 'junior_rep' });
    await api.ok(201, `rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/employees/REPXXX1/privileges/individual_clients`);
    expect(await relationsOf(f.bn, 'REPXXX1')).toEqual(expect.arrayContaining(['junior_rep', 'individual_clients']));
    await api.ok(200, `rep:${f.owner2}`, 'post', `/v1/businesses/${f.bn}/suspend`);
  });
});

describe('a client fenced into two groups at once', () => {
  it('ends in one group: the later write fails (409), and a later move leaves no other behind', async () => {
    const f = await firm();
    const client = '812345674';
    await api.ok(201, `client:business:${client}`, 'put', `/v1/clients/business/${client}/authorizations/business/${f.bn}`, { level: 1 });
    const [g1, g2, g3] = [await newGroup(f, 'G1'), await newGroup(f, 'G2'), await newGroup(f, 'G3')];
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g2}/employees/INGRP02`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g3}/employees/INGRP03`, { role: 'junior_rep' });
    const groups = async () =>
      (await collect(t.store.readRelationships({ resourceType: 'authorization', resourceId: `business_${client}_${f.bn}`, relation: 'group' }, FULL))).map((r) => r.subject.id);
    const view = (rep: string) => api.check({ rep, permission: 'view', client: { type: 'business', id: client } });

    for (const [from, to, other] of [
      [undefined, g2, g3], // from no group
      [g2, g1, g3], // from a group
    ] as const) {
      if (from) await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${from}/clients/business/${client}`);
      // the senior administrator's fencing lands after the owner's read the client's groups, before it writes
      let other409 = 0;
      races.raced = 'group.clients.assign';
      races.meanwhile = async () => {
        other409 = (await api.as(`rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/groups/${other}/clients/business/${client}`)).status;
      };
      const res = await api.as(f.o, 'put', `/v1/businesses/${f.bn}/groups/${to}/clients/business/${client}`);
      races.raced = '';
      expect([from ?? 'none', other409, res.status]).toEqual([from ?? 'none', 201, 409]);
      expect(await groups()).toEqual([`${f.bn}_${other}`]);
      expect(await view('INGRP03')).toBe(true);
      expect(await view('INGRP02')).toBe(false);
    }
    // and the move out of it leaves the client in one group only
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g2}/clients/business/${client}`);
    expect(await groups()).toEqual([`${f.bn}_${g2}`]);
    expect(await view('INGRP03')).toBe(false);
  });

  it('a client left in two groups (an import) is moved out of both', async () => {
    const f = await firm();
    const client = '812345682';
    await api.ok(201, `client:business:${client}`, 'put', `/v1/clients/business/${client}/authorizations/business/${f.bn}`, { level: 1 });
    const [g1, g2, g3] = [await newGroup(f, 'G1'), await newGroup(f, 'G2'), await newGroup(f, 'G3')];
    const key = { type: 'business' as const, key: client };
    await t.store.write([g1, g2].map((g) => ({ operation: 'touch' as const, relationship: facts.clientInGroup(key, f.bn, g) })));
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g3}/clients/business/${client}`);
    const groups = await collect(t.store.readRelationships({ resourceType: 'authorization', resourceId: `business_${client}_${f.bn}`, relation: 'group' }, FULL));
    expect(groups.map((r) => r.subject.id)).toEqual([`${f.bn}_${g3}`]);
  });
});

describe("a representative's removal through a BN group", () => {
  it('fails (409) when the group is deleted between the check and the write', async () => {
    const f = await firm();
    const client = '823456783';
    await api.ok(201, `client:business:${client}`, 'put', `/v1/clients/business/${client}/authorizations/business/${f.bn}`, { level: 1 });
    const g = await newGroup(f, 'Fence');
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/clients/business/${client}`);
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/GRPADM1`, { role: 'senior_admin' });
    races.raced = 'authorization.remove';
    races.meanwhile = async () => {
      // the group deletion's own first write (fence, business link); its clean-up comes later
      await t.store.write(facts.group(f.bn, g).map((relationship) => ({ operation: 'delete' as const, relationship })));
    };
    const res = await api.as('rep:GRPADM1', 'delete', `/v1/clients/business/${client}/authorizations/business/${f.bn}`);
    races.raced = '';
    expect(races.meanwhile).toBeUndefined();
    expect(res.status).toBe(409);
    expect((await api.ok(200, `client:business:${client}`, 'get', `/v1/clients/business/${client}/authorizations`)).body.authorizations).toHaveLength(1);
  });
});

describe('privileges and the limited role, across associations', () => {
  it("a junior administrator may not take a BN-group administrator's privileges by a change to the limited role", async () => {
    const f = await firm();
    const g = await newGroup(f, 'Admins');
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/GADM006`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/GADM006`, { role: 'junior_admin' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/GADM006/privileges/individual_clients`);
    const res = await api.as(`rep:${f.ja}`, 'put', `/v1/businesses/${f.bn}/employees/GADM006`, { role: 'junior_rep_limited' });
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain('associate_administrators');
    expect((await employee(f, 'GADM006')).privileges).toEqual(['individual_clients']);
    // nor any other change of its business role: the employee is an administrator (in the group),
    // and a junior administrator acts on representatives only
    const other = await api.as(`rep:${f.ja}`, 'put', `/v1/businesses/${f.bn}/employees/GADM006`, { role: 'senior_rep' });
    expect(other.status).toBe(403);
    expect((await employee(f, 'GADM006')).role).toBe('junior_rep');
    // and a senior administrator may make the first
    await api.ok(200, `rep:${f.sa}`, 'put', `/v1/businesses/${f.bn}/employees/GADM006`, { role: 'junior_rep_limited' });
    expect((await employee(f, 'GADM006')).privileges).toEqual([]);
  });

  it('a privilege for a senior administrator (held through its role: nothing stored) while it is given a lower role in a group: the assignment fails (409), never a 200 that left the group role without it', async () => {
    const f = await firm();
    const g = await newGroup(f, 'Lower');
    races.raced = 'privilege.assign';
    races.meanwhile = async () => {
      await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/${f.sa}`, { role: 'junior_rep' });
    };
    const path = `/v1/businesses/${f.bn}/employees/${f.sa}/privileges/individual_clients`;
    const res = await api.as(f.o, 'put', path);
    expect(races.meanwhile).toBeUndefined();
    expect(res.status).toBe(409);
    // asked again, the lower role needs it: stored
    await api.ok(201, f.o, 'put', path);
    expect((await employee(f, f.sa)).privileges).toEqual(['individual_clients']);
    // the control: with no group association given meanwhile, 200 and nothing stored
    const other = await firm();
    await api.ok(200, other.o, 'put', `/v1/businesses/${other.bn}/employees/${other.sa}/privileges/individual_clients`);
    expect((await employee(other, other.sa)).privileges).toEqual([]);
  });

  it("a junior administrator still takes a plain representative's privileges with the limited role", async () => {
    const f = await firm();
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/PLAIN01`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/PLAIN01/privileges/mail`);
    await api.ok(200, `rep:${f.ja}`, 'put', `/v1/businesses/${f.bn}/employees/PLAIN01`, { role: 'junior_rep_limited' });
    expect((await employee(f, 'PLAIN01')).privileges).toEqual([]);
  });

  it('a BN-group role change to the limited role drops the privileges of an employee with no other role', async () => {
    const f = await firm();
    await api.ok(201, `client:individual:${SIN}`, 'put', `/v1/clients/individual/${SIN}/authorizations/business/${f.bn}`, { level: 1 });
    const g = await newGroup(f, 'Lim');
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/GLIM001`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/GLIM001/privileges/individual_clients`);
    await api.ok(200, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/GLIM001`, { role: 'junior_rep_limited' });
    expect((await employee(f, 'GLIM001')).privileges).toEqual([]);
    expect(t.audit.at(-1)).toMatchObject({ operation: 'group.employee.put', after: { role: 'junior_rep_limited', privilegesRemoved: ['individual_clients'] } });
    // so a junior administrator's later association as a representative brings nothing back
    await api.ok(201, `rep:${f.ja}`, 'put', `/v1/businesses/${f.bn}/employees/GLIM001`, { role: 'junior_rep' });
    expect(await api.check({ rep: 'GLIM001', permission: 'list', client: { type: 'individual', id: SIN } })).toBe(false);
  });

  it('the removal of the last BN-group association that may hold them drops them too; another keeps them', async () => {
    const f = await firm();
    const [g1, g2] = [await newGroup(f, 'One'), await newGroup(f, 'Two')];
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g1}/employees/GLIM002`, { role: 'senior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g2}/employees/GLIM002`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/GLIM002/privileges/trust_clients`);
    await api.ok(204, f.o, 'delete', `/v1/businesses/${f.bn}/groups/${g1}/employees/GLIM002`);
    expect((await employee(f, 'GLIM002')).privileges).toEqual(['trust_clients']);
    await api.ok(204, f.o, 'delete', `/v1/businesses/${f.bn}/groups/${g2}/employees/GLIM002`);
    expect(await relationsOf(f.bn, 'GLIM002')).toEqual([]);
  });

  it('a business role other than the limited one keeps them through any BN-group change', async () => {
    const f = await firm();
    const g = await newGroup(f, 'Keep');
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/KEEP001`, { role: 'junior_rep' });
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/employees/KEEP001/privileges/mail`);
    await api.ok(201, f.o, 'put', `/v1/businesses/${f.bn}/groups/${g}/employees/KEEP001`, { role: 'junior_rep_limited' });
    await api.ok(204, f.o, 'delete', `/v1/businesses/${f.bn}/groups/${g}/employees/KEEP001`);
    expect((await employee(f, 'KEEP001')).privileges).toEqual(['mail']);
  });
});

describe("a cancelled firm's clean-up never undoes a registration that lands meanwhile", () => {
  const cancelled = async () => {
    const f = await firm();
    await api.ok(200, f.o, 'post', `/v1/businesses/${f.bn}/cancel`);
    return f;
  };

  it('two registrations of a cancelled BN at once: one wins, the other is 409, and the winner stays owner', async () => {
    const f = await cancelled();
    races.raced = 'business.register';
    // B's clean-up is about to delete: A registers first, whole
    races.beforeDelete = async () => {
      await api.ok(201, 'rep:REGA001', 'post', '/v1/businesses', { bn: f.bn, name: 'A' });
    };
    const b = await api.as('rep:REGB001', 'post', '/v1/businesses', { bn: f.bn, name: 'B' });
    expect(b.status).toBe(409);
    expect(b.body.detail).toBe(`business ${f.bn} is already registered`);
    expect(await relationsOf(f.bn, 'REGA001')).toEqual(['owner']);
    expect(await api.check({ rep: 'REGA001', permission: 'manage_registration', business: f.bn })).toBe(true);
  });

  it('a registration landing while a cancellation is still cleaning up: the cancellation answers 200, the new owner stays', async () => {
    const f = await firm();
    races.raced = 'business.cancel';
    let registered: string | undefined;
    races.beforeDelete = async () => {
      registered = (await api.ok(201, 'rep:REGC001', 'post', '/v1/businesses', { bn: f.bn, name: 'C' })).headers['rac-consistency-token'] as string;
    };
    const res = await api.as(f.o, 'post', `/v1/businesses/${f.bn}/cancel`);
    expect(res.status).toBe(200);
    // the cancellation's token is its own write's, older than the registration's: read at that one
    api.token = registered;
    expect(await relationsOf(f.bn, 'REGC001')).toEqual(['owner']);
    expect(await relationsOf(f.bn, f.owner)).toEqual([]); // the old firm's, gone before the new registration
    expect(await api.check({ rep: 'REGC001', permission: 'manage_registration', business: f.bn })).toBe(true);
  });
});
