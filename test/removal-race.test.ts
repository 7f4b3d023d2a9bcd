// A representative's removal of a client's authorization is decided on what it reaches at the
// moment of the check; what that reach rests on is asserted again at the write (preconditions),
// so a revocation that lands in between makes the removal fail (409) instead of going through.
// The same for an authorization request by an employee associated to a BN group only.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as facts from '../src/domain/facts.js';
import type { Api } from './support/api.js';
import type { TestApp } from './support/app.js';
import { startRacingApp, type Races } from './support/races.js';

const SIN = '046454286';
let t: TestApp;
let api: Api;
/** the race hooks (support/races.ts): meanwhile before a write of `raced`, afterCheck after a bulk check */
let races: Races;

beforeAll(async () => {
  ({ t, api, races } = await startRacingApp('authorization.remove'));
});
afterAll(async () => {
  await t.close();
});

let nextBn = 731000000;
async function firmWithClient() {
  const bn = String(nextBn++);
  const owner = `ROW${bn.slice(-3)}0`;
  const rep = `RRE${bn.slice(-3)}0`;
  await api.ok(201, `rep:${owner}`, 'post', '/v1/businesses', { bn, name: 'Race' });
  await api.ok(201, `rep:${owner}`, 'put', `/v1/businesses/${bn}/employees/${rep}`, { role: 'senior_rep' });
  await api.ok(201, `rep:${owner}`, 'put', `/v1/businesses/${bn}/employees/${rep}/privileges/individual_clients`);
  await api.ok(201, `client:individual:${SIN}`, 'put', `/v1/clients/individual/${SIN}/authorizations/business/${bn}`, { level: 1 });
  const reaches = () => api.check({ rep: owner, permission: 'view', client: { type: 'individual', id: SIN } });
  return { bn, owner, rep, reaches, path: `/v1/clients/individual/${SIN}/authorizations/business/${bn}` };
}

describe("a rep's removal of a client's authorization, raced by a revocation", () => {
  it.each([
    ['its privilege is removed', (bn: string, rep: string) => facts.privilege(bn, rep, 'individual_clients'), 'delete'],
    ['it is disassociated', (bn: string, rep: string) => facts.disassociated(bn, rep), 'touch'],
  ] as const)('%s between the check and the write: 409, nothing removed', async (_what, revoked, operation) => {
    const f = await firmWithClient();
    races.meanwhile = async () => {
      await t.store.write([{ operation, relationship: revoked(f.bn, f.rep) }]);
    };
    const res = await api.as(`rep:${f.rep}`, 'delete', f.path);
    expect(res.status).toBe(409);
    expect(await f.reaches()).toBe(true);
  });

  it('the client is fenced into a group the rep is not in, between the check and the write: 409, nothing removed', async () => {
    const f = await firmWithClient();
    const g = await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Late fence' });
    races.meanwhile = async () => {
      await api.ok(201, `rep:${f.owner}`, 'put', `/v1/businesses/${f.bn}/groups/${g.body.groupId}/clients/individual/${SIN}`);
    };
    const res = await api.as(`rep:${f.rep}`, 'delete', f.path);
    expect(res.status).toBe(409);
    expect(await f.reaches()).toBe(true);
  });

  it('with nothing in between, the removal goes through', async () => {
    const f = await firmWithClient();
    await api.ok(204, `rep:${f.rep}`, 'delete', f.path);
    expect(await f.reaches()).toBe(false);
  });
});

describe('an authorization request by an employee of a BN group only, raced by a revocation', () => {
  async function groupOnly() {
    const f = await firmWithClient();
    const g = await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Requests' });
    const rep = `RGR${f.bn.slice(-3)}0`;
    const groupPath = `/v1/businesses/${f.bn}/groups/${g.body.groupId}`;
    await api.ok(201, `rep:${f.owner}`, 'put', `${groupPath}/employees/${rep}`, { role: 'junior_rep_limited' });
    const trust = `T2${f.bn.slice(-7)}`; // one client per firm
    const submit = () => api.as(`rep:${rep}`, 'post', `/v1/businesses/${f.bn}/authorization-requests`, { client: { type: 'trust', id: trust }, level: 1 });
    const pending = async () => (await api.ok(200, `client:trust:${trust}`, 'get', `/v1/clients/trust/${trust}/authorizations`)).body.pendingRequests;
    return { ...f, rep, groupId: g.body.groupId as string, groupPath, submit, pending };
  }

  type Firm = Awaited<ReturnType<typeof groupOnly>>;
  it.each([
    // the group's deletion as its first write leaves it: link and fence gone, associations not yet cleaned up
    ['the group is deleted', (f: Firm) => t.store.write(facts.group(f.bn, f.groupId).map((relationship) => ({ operation: 'delete' as const, relationship })))],
    ['the employee leaves the group', (f: Firm) => api.ok(204, `rep:${f.owner}`, 'delete', `${f.groupPath}/employees/${f.rep}`)],
    [
      // a `member` association gives a rep with no business role nothing: it keeps no request alive
      'the employee leaves the group, a `member` association left over in another',
      async (f: Firm) => {
        const other = await api.ok(201, `rep:${f.owner}`, 'post', `/v1/businesses/${f.bn}/groups`, { name: 'Leftover' });
        await t.store.write([{ operation: 'touch', relationship: facts.groupAssociation(f.bn, other.body.groupId, f.rep, 'member') }]);
        await api.ok(204, `rep:${f.owner}`, 'delete', `${f.groupPath}/employees/${f.rep}`);
      },
    ],
  ])('%s after the check: refused with 409 (the standing read before the check is asserted at the write), no request pending', async (_what, revocation) => {
    for (const when of ['after the check', 'before the write']) {
      const f = await groupOnly();
      const run = async () => {
        await revocation(f);
      };
      if (when === 'after the check') races.afterCheck = run;
      else {
        races.raced = 'authorization.request';
        races.meanwhile = run;
      }
      try {
        const res = await f.submit();
        expect({ when, status: res.status }).toEqual({ when, status: 409 });
        expect(await f.pending()).toEqual([]);
      } finally {
        races.raced = 'authorization.remove';
        races.afterCheck = undefined;
      }
    }
  });

  it('with nothing in between, the request is pending', async () => {
    const f = await groupOnly();
    expect((await f.submit()).status).toBe(201);
    expect(await f.pending()).toEqual([expect.objectContaining({ business: f.bn, level: 1 })]);
  });
});
