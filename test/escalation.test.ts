// The escalation guard over HTTP: for every (actor role, target role) pair, whether the actor may
// associate, modify, delete, disassociate and re-associate an employee with that role, and promote
// (or demote) an existing junior representative to it, as a table. Also the
// last owner, and the actor check coming before any write.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROLES, type Role } from '../src/domain/permissions.js';
import { AdminKit } from '../src/domain/admin-kit.js';
import type { AuthzStore } from '../src/domain/store-port.js';
import { Api } from './support/api.js';
import { KEYS, startTestApp, type TestApp } from './support/app.js';

const BN = '555000222';
const FOUNDER = 'FOUNDR0';
let t: TestApp;
let api: Api;

// rac-access.md section 3: jr admins manage representatives only; sr admins also administrators;
// only an owner gives or takes the owner role [decided]. Y = allowed, - = 403 forbidden-actor.
const ALLOWED: Record<Role, string> = {
  //                   target: jr_lim jr_rep sr_rep jr_adm sr_adm owner
  junior_rep_limited: '-      -      -      -      -      -',
  junior_rep: '        -      -      -      -      -      -',
  senior_rep: '        -      -      -      -      -      -',
  junior_admin: '      Y      Y      Y      -      -      -',
  senior_admin: '      Y      Y      Y      Y      Y      -',
  owner: '             Y      Y      Y      Y      Y      Y',
};
const allowed = (actor: Role, target: Role) => ALLOWED[actor].trim().split(/\s+/)[ROLES.indexOf(target)] === 'Y';

const OPERATIONS = ['associate', 'modify', 'delete', 'disassociate', 'reassociate', 'promote'] as const;
type Operation = (typeof OPERATIONS)[number];
const actorFor = (role: Role) => `A${ROLES.indexOf(role)}ACTOR`.slice(0, 7);
let serial = 0;
const freshRep = () => `T${String(serial++).padStart(6, '0')}`;

beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
  await api.ok(201, `rep:${FOUNDER}`, 'post', '/v1/businesses', { bn: BN, name: 'Guarded LLP' });
  for (const role of ROLES) await api.ok(201, `rep:${FOUNDER}`, 'put', `/v1/businesses/${BN}/employees/${actorFor(role)}`, { role });
});
afterAll(async () => {
  await t.close();
});

const employees = async () => {
  const res = await api.ok(200, `rep:${FOUNDER}`, 'get', `/v1/businesses/${BN}/employees`);
  return res.body.employees as Array<{ repId: string; role: Role | null; status: string }>;
};

/** performs `op` by an actor of role `actorRole` on a fresh target; returns status and the target's state after */
async function attempt(op: Operation, actorRole: Role, targetRole: Role) {
  const target = freshRep();
  // promote: the target is a junior representative, given the target role
  if (op !== 'associate') await api.ok(201, `rep:${FOUNDER}`, 'put', `/v1/businesses/${BN}/employees/${target}`, { role: op === 'promote' ? 'junior_rep' : targetRole });
  const actor = `rep:${actorFor(actorRole)}`;
  const path = `/v1/businesses/${BN}/employees/${target}`;
  if (op === 'reassociate') await api.ok(200, `rep:${FOUNDER}`, 'post', `${path}/disassociate`);
  const other: Role = targetRole === 'junior_rep' ? 'senior_rep' : 'junior_rep';
  const res =
    op === 'associate' || op === 'promote'
      ? await api.as(actor, 'put', path, { role: targetRole })
      : op === 'modify'
        ? await api.as(actor, 'put', path, { role: other })
        : op === 'delete'
          ? await api.as(actor, 'delete', path)
          : await api.as(actor, 'post', `${path}/${op}`);
  const after = (await employees()).find((e) => e.repId === target);
  return { res, after, other };
}

describe.each(OPERATIONS)('%s', (op) => {
  const cases = ROLES.flatMap((a) => ROLES.map((tr) => [a, tr] as const));
  it.each(cases)('by %s on %s', async (actorRole, targetRole) => {
    const { res, after, other } = await attempt(op, actorRole, targetRole);
    // a role change acts on the role held and on the role given: both must be the actor's to manage
    const may = op === 'promote' ? allowed(actorRole, 'junior_rep') && allowed(actorRole, targetRole) : allowed(actorRole, targetRole);
    if (!may) {
      expect(res.status).toBe(403);
      expect(res.body.type).toMatch(/\/forbidden-actor$/);
      // nothing was written
      if (op === 'associate') expect(after).toBeUndefined();
      else expect(after).toMatchObject({ role: op === 'promote' ? 'junior_rep' : targetRole, status: op === 'reassociate' ? 'disassociated' : 'active' });
      return;
    }
    const expectations: Record<Operation, () => void> = {
      associate: () => {
        expect(res.status).toBe(201);
        expect(after).toMatchObject({ role: targetRole, status: 'active' });
      },
      modify: () => {
        expect(res.status).toBe(200);
        expect(after).toMatchObject({ role: other, status: 'active' });
      },
      delete: () => {
        expect(res.status).toBe(204);
        expect(after).toBeUndefined();
      },
      disassociate: () => {
        expect(res.status).toBe(200);
        expect(after).toMatchObject({ role: targetRole, status: 'disassociated' });
      },
      reassociate: () => {
        expect(res.status).toBe(200);
        expect(after).toMatchObject({ role: targetRole, status: 'active' });
      },
      promote: () => {
        expect(res.status).toBe(200);
        expect(after).toMatchObject({ role: targetRole, status: 'active' });
      },
    };
    expectations[op]();
  });
});

describe('the last owner', () => {
  const bn = '555000333';
  const sole = 'SOLE001';
  beforeAll(async () => {
    await api.ok(201, `rep:${sole}`, 'post', '/v1/businesses', { bn, name: 'Solo' });
  });

  it.each([
    ['demote', 'put', { role: 'senior_admin' }],
    ['delete', 'delete', undefined],
  ] as const)('cannot %s itself: 409, still the owner', async (_label, method, body) => {
    const res = await api.as(`rep:${sole}`, method, `/v1/businesses/${bn}/employees/${sole}`, body);
    expect(res.status).toBe(409);
    const list = await api.ok(200, `rep:${sole}`, 'get', `/v1/businesses/${bn}/employees`);
    expect(list.body.employees).toEqual([expect.objectContaining({ repId: sole, role: 'owner', status: 'active' })]);
  });

  it('cannot be disassociated', async () => {
    const res = await api.as(`rep:${sole}`, 'post', `/v1/businesses/${bn}/employees/${sole}/disassociate`);
    expect(res.status).toBe(409);
  });

  it('can step down once another owner is in force', async () => {
    await api.ok(201, `rep:${sole}`, 'put', `/v1/businesses/${bn}/employees/HEIR001`, { role: 'owner' });
    await api.ok(200, `rep:${sole}`, 'put', `/v1/businesses/${bn}/employees/${sole}`, { role: 'senior_admin' });
    // and now HEIR001 is the last owner
    const res = await api.as('rep:HEIR001', 'delete', `/v1/businesses/${bn}/employees/HEIR001`);
    expect(res.status).toBe(409);
  });
});

describe('the actor', () => {
  it('is required on admin operations: 400 naming the header', async () => {
    const res = await (await import('supertest')).default(t.app)
      .put(`/v1/businesses/${BN}/employees/NOACTOR`)
      .set('Authorization', `Bearer ${KEYS.admin}`)
      .send({ role: 'junior_rep' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('headers.RAC-Actor');
  });

  it.each(['someone', 'rep:bad', 'client:individual:046454287', 'client:pet:1'])('must be well formed (%s): 400', async (actor) => {
    const res = await api.as(actor, 'put', `/v1/businesses/${BN}/employees/NOACTOR`, { role: 'junior_rep' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('046454287');
  });

  it('a client actor may not manage employees', async () => {
    const res = await api.as('client:business:987654321', 'put', `/v1/businesses/${BN}/employees/NOACTOR`, { role: 'junior_rep' });
    expect(res.status).toBe(403);
    expect(res.body.type).toMatch(/\/forbidden-actor$/);
  });

  it('a stranger to the business may do nothing to it', async () => {
    const employee = actorFor('junior_rep');
    const attempts: Array<['get' | 'post' | 'put' | 'patch' | 'delete', string, object?]> = [
      ['post', `/v1/businesses/${BN}/suspend`],
      ['post', `/v1/businesses/${BN}/cancel`],
      ['patch', `/v1/businesses/${BN}`, { name: 'Hijacked' }],
      ['get', `/v1/businesses/${BN}`],
      ['get', `/v1/businesses/${BN}/employees`],
      ['put', `/v1/businesses/${BN}/employees/STRANGR`, { role: 'owner' }],
      ['put', `/v1/businesses/${BN}/employees/${employee}`, { role: 'senior_admin' }],
      ['delete', `/v1/businesses/${BN}/employees/${employee}`],
      ['post', `/v1/businesses/${BN}/employees/${employee}/disassociate`],
      ['put', `/v1/businesses/${BN}/employees/STRANGR/privileges/individual_clients`],
      ['put', `/v1/businesses/${BN}/employees/${employee}/privileges/individual_clients`],
      ['post', `/v1/businesses/${BN}/groups`, { name: 'Mine' }],
      ['post', `/v1/businesses/${BN}/authorization-requests`, { client: { type: 'trust', id: 'T12345678' }, level: 1 }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api.as('rep:STRANGR', method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // and nothing changed
    const list = await api.ok(200, `rep:${FOUNDER}`, 'get', `/v1/businesses/${BN}/employees`);
    expect(list.body.employees.map((e: { repId: string }) => e.repId)).not.toContain('STRANGR');
    expect(list.body.employees.find((e: { repId: string }) => e.repId === employee)).toMatchObject({ role: 'junior_rep', status: 'active', privileges: [] });
    expect((await api.ok(200, `rep:${FOUNDER}`, 'get', `/v1/businesses/${BN}`)).body).toMatchObject({ name: 'Guarded LLP', status: 'active' });
  });
});

describe('the permission check under every admin command', () => {
  it('refuses to decide on no permission at all (asking nothing would allow without SpiceDB)', async () => {
    let asked = 0;
    const store = { checkBulk: async () => ((asked++, { checkedAt: 't', results: [] })) } as unknown as AuthzStore;
    const kit = new AdminKit({ store, pseudonymize: (s: string) => s, audit: { record: () => {} } });
    await expect(kit.authorizeOnBusiness('A1B2C3D', BN, [])).rejects.toThrow(/no permission/);
    expect(asked).toBe(0);
  });
});
