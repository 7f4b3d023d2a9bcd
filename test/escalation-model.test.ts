// No privilege escalation, by property: random sequences of employee commands by random actors
// (fast-check model-based testing) against a small model of rac-access.md section 3. After every
// command the API's answer class matches the model's, and the firm's employees are exactly the
// model's: nobody ever holds a role that no allowed command could have given.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Role } from '../src/domain/permissions.js';
import { Api } from './support/api.js';
import { startTestApp, type TestApp } from './support/app.js';
import { FULL } from './support/store.js';

type Emp = { role: Role; disassociated: boolean };
type Model = Map<string, Emp>;
const REPS = ['MOWNER1', 'MREP001', 'MREP002', 'MREP003', 'MREP004'];
const ALL_ROLES: Role[] = ['junior_rep_limited', 'junior_rep', 'senior_rep', 'junior_admin', 'senior_admin', 'owner'];

// the rules, as the spec states them (section 3 and the escalation guard)
const ADMINS: Role[] = ['junior_admin', 'senior_admin', 'owner'];
const may = {
  manageEmployees: (r: Role) => ADMINS.includes(r),
  associate: (actor: Role, target: Role) =>
    target === 'owner' ? actor === 'owner' : target === 'junior_admin' || target === 'senior_admin' ? actor === 'senior_admin' || actor === 'owner' : ADMINS.includes(actor),
};
const activeOwners = (m: Model) => [...m.entries()].filter(([, e]) => e.role === 'owner' && !e.disassociated).map(([k]) => k);

type Outcome = 'ok' | 'forbidden' | 'conflict' | 'missing';
function predict(m: Model, actor: string, op: string, target: string, role?: Role): Outcome {
  const a = m.get(actor);
  if (!a || a.disassociated || !may.manageEmployees(a.role)) return 'forbidden';
  const t = m.get(target);
  const lastOwner = t?.role === 'owner' && activeOwners(m).filter((o) => o !== target).length === 0;
  switch (op) {
    case 'put':
      if (!may.associate(a.role, role!) || (t && !may.associate(a.role, t.role))) return 'forbidden';
      return t?.role === 'owner' && role !== 'owner' && lastOwner ? 'conflict' : 'ok';
    case 'delete':
      if (t && !may.associate(a.role, t.role)) return 'forbidden';
      return lastOwner ? 'conflict' : 'ok';
    default: // disassociate / reassociate
      if (!t) return 'missing';
      if (!may.associate(a.role, t.role)) return 'forbidden';
      return op === 'disassociate' && lastOwner ? 'conflict' : 'ok';
  }
}
function applyOk(m: Model, op: string, target: string, role?: Role): void {
  const t = m.get(target);
  if (op === 'put') m.set(target, { role: role!, disassociated: t?.disassociated ?? false });
  else if (op === 'delete') m.delete(target);
  else if (t) t.disassociated = op === 'disassociate';
}
const classOf = (status: number): Outcome => (status < 300 ? 'ok' : status === 403 ? 'forbidden' : status === 409 ? 'conflict' : status === 404 ? 'missing' : (`http ${status}` as Outcome));

let t: TestApp;
let api: Api;
beforeAll(async () => {
  t = await startTestApp();
  api = new Api(t.app);
});
afterAll(async () => {
  await t.close();
});

async function firmState(bn: string): Promise<Record<string, Emp>> {
  const out: Record<string, Emp> = {};
  const gone = new Set<string>();
  for await (const r of t.store.readRelationships({ resourceType: 'business', resourceId: bn, subject: { type: 'rep' } }, FULL)) {
    if (r.relation === 'disassociated') gone.add(r.subject.id);
    else if ((ALL_ROLES as string[]).includes(r.relation)) {
      // two roles for one rep would fail here: the model never has two
      expect(out[r.subject.id]).toBeUndefined();
      out[r.subject.id] = { role: r.relation as Role, disassociated: false };
    }
  }
  for (const rep of gone) if (out[rep]) out[rep]!.disassociated = true;
  return out;
}

let nextBn = 808000000;
const command = fc.record({
  actor: fc.constantFrom(...REPS),
  target: fc.constantFrom(...REPS),
  op: fc.constantFrom('put', 'put', 'put', 'delete', 'disassociate', 'reassociate'),
  role: fc.constantFrom(...ALL_ROLES),
});

it('random command sequences never leave a role no allowed command could give', async () => {
  let commands = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (seq) => {
      const bn = String(nextBn++);
      const model: Model = new Map([['MOWNER1', { role: 'owner', disassociated: false }]]);
      await api.ok(201, 'rep:MOWNER1', 'post', '/v1/businesses', { bn, name: 'Model Firm' });
      // start with an administrator of each kind and a representative, so most actors can act
      for (const [rep, role] of [['MREP001', 'senior_admin'], ['MREP002', 'junior_admin'], ['MREP003', 'senior_rep']] as const) {
        await api.ok(201, 'rep:MOWNER1', 'put', `/v1/businesses/${bn}/employees/${rep}`, { role });
        model.set(rep, { role, disassociated: false });
      }
      for (const c of seq) {
        const path = `/v1/businesses/${bn}/employees/${c.target}`;
        const want = predict(model, c.actor, c.op, c.target, c.role);
        const res =
          c.op === 'put'
            ? await api.as(`rep:${c.actor}`, 'put', path, { role: c.role })
            : c.op === 'delete'
              ? await api.as(`rep:${c.actor}`, 'delete', path)
              : await api.as(`rep:${c.actor}`, 'post', `${path}/${c.op}`);
        commands++;
        expect({ ...c, outcome: classOf(res.status) }).toEqual({ ...c, outcome: want });
        if (want === 'ok') applyOk(model, c.op, c.target, c.role);
        else refused++;
        // the firm as SpiceDB holds it is the model
        expect(await firmState(bn)).toEqual(Object.fromEntries(model));
      }
    }),
    { numRuns: 40 },
  );
  process.stdout.write(`escalation model: ${commands} random commands, ${refused} refused as the rules require, 0 escalations\n`);
}, 300_000);
