// Fail closed: when SpiceDB cannot answer, no check says yes. A stand-in SpiceDB API raises the
// failures a real one raises (gRPC codes from the server backend, "rpc error" messages from the
// embedded engine), behind the real SpiceDbStore and the real app.
import { describe, expect, it } from '@jest/globals';
import { v1 } from '@authzed/authzed-node';
import request from 'supertest';
import { parseApiKeys } from '../src/config.js';
import { ConflictError, StoreInternalError, StoreRejectedError, StoreTimeoutError } from '../src/domain/errors.js';
import { toDomainError } from '../src/spicedb/errors.js';
import { createPseudonymizer } from '../src/domain/pseudonym.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import type { SpiceDbApi } from '../src/spicedb/spicedb-api.js';
import { SpiceDbStore } from '../src/spicedb/spicedb-store.js';
import { unaryCalls } from '../src/spicedb/embedded-ffi.js';
import { DEFAULT_DECISION_CACHE_SIZE, serviceStore } from '../src/spicedb/index.js';
import { createMetrics } from '../src/metrics.js';
import { API_KEYS, bearer, KEYS } from './support/app.js';

type Behaviour = () => never | v1.CheckPermissionResponse_Permissionship;

function appWith(behaviour: Behaviour) {
  const answer = (): v1.CheckPermissionResponse_Permissionship => behaviour();
  const api: SpiceDbApi = {
    checkPermission: async () => v1.CheckPermissionResponse.create({ permissionship: answer(), checkedAt: { token: 't' } }),
    checkBulkPermissions: async (req) =>
      v1.CheckBulkPermissionsResponse.create({
        checkedAt: { token: 't' },
        pairs: req.items.map((request) => ({ request, response: { oneofKind: 'item', item: { permissionship: answer() } } })),
      }),
    writeRelationships: async () => {
      answer();
      return v1.WriteRelationshipsResponse.create({ writtenAt: { token: 't' } });
    },
    deleteRelationships: async () => {
      answer();
      return v1.DeleteRelationshipsResponse.create({ deletedAt: { token: 't' } });
    },
    readRelationships: async function* () {
      answer();
    },
    lookupResources: async function* () {
      answer();
    },
    lookupSubjects: async function* () {
      answer();
    },
    readSchema: async () => {
      answer();
      return 'definition rep {}';
    },
    writeSchema: async () => {},
    close: async () => {},
  };
  // as the service composes it: timed, and single checks coalesced into bulk calls
  const store = serviceStore(new SpiceDbStore('server', api), createMetrics(), { maxBatch: 100, maxWaitMs: 0 }, DEFAULT_DECISION_CACHE_SIZE);
  const logger = createLogger('silent');
  return createApp({
    store,
    apiKeys: parseApiKeys(API_KEYS),
    pseudonymize: createPseudonymizer('test-pseudonym-key-0123456789'),
    logger,
    audit: { record: () => {} },
    expectedSchema: () => 'definition rep {}',
  });
}

const CHECK = { rep: 'SREP001', permission: 'view', client: { type: 'individual', id: '046454286' } };
const grpcError = (code: number) => () => {
  throw Object.assign(new Error('boom'), { code });
};
const embeddedError = (name: string) => () => {
  throw new Error(`rpc error: code = ${name} desc = something broke`);
};

describe('the stand-in answers like SpiceDB when healthy', () => {
  it('yes is yes, no is no', async () => {
    const yes = await request(appWith(() => v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION))
      .post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(yes.body.allowed).toBe(true);
    const no = await request(appWith(() => v1.CheckPermissionResponse_Permissionship.NO_PERMISSION))
      .post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(no.body.allowed).toBe(false);
  });
});

describe('when SpiceDB cannot answer, checks fail closed', () => {
  it.each([
    ['unavailable (server)', 503, grpcError(14)],
    ['unavailable (embedded)', 503, embeddedError('Unavailable')],
    ['a transport failure with no status', 503, () => { throw new Error('socket hang up'); }],
    ['resource exhausted', 503, grpcError(8)],
    ['a credential problem between us and SpiceDB', 503, grpcError(16)],
    // the contract's one answer for "SpiceDB cannot answer"; the problem type says it was the deadline
    ['deadline exceeded', 503, grpcError(4)],
    // what SpiceDB answers when its datastore is gone (test/server/datastore-outage.test.ts)
    ['an internal error (server)', 503, grpcError(13)],
    ['an internal error (embedded)', 503, embeddedError('Internal')],
    ['an unknown error', 503, grpcError(2)],
    ['data loss', 503, grpcError(15)],
    ['an API this SpiceDB does not implement (a deployment mismatch, not an outage)', 500, grpcError(12)],
    ['a conditional answer (caveats are not in the schema)', 500, () => v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION, true],
    ['an empty answer (permissionship unspecified)', 500, () => v1.CheckPermissionResponse_Permissionship.UNSPECIFIED, true],
    // a schema without what was asked (another instance wrote an older one): no decision, never a 409
    ['a failed precondition on a check (the schema does not fit)', 500, grpcError(9)],
    ['the same from the embedded engine', 500, embeddedError('FailedPrecondition')],
  ] as Array<[string, number, Behaviour, boolean?]>)('%s: %i, never allowed', async (_label, status, behaviour, perItem = false) => {
    const app = appWith(behaviour);
    const single = await request(app).post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(single.status).toBe(status);
    expect(single.body.allowed).toBeUndefined();
    expect(single.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(single.text).not.toContain('something broke'); // the engine's words stay in our logs
    if (status === 503 || status === 504) expect(single.headers['retry-after']).toBe('1');

    const bulk = await request(app).post('/v1/check/bulk').set(bearer(KEYS.check)).send({ checks: [CHECK, CHECK] });
    expect(JSON.stringify(bulk.body)).not.toContain('"allowed":true');
    if (perItem) {
      // SpiceDB answered the call; an item it answered conditionally is an error item, not an answer
      expect(bulk.status).toBe(200);
      expect(bulk.body.results).toHaveLength(2);
      for (const r of bulk.body.results) expect(r.error.status).toBeGreaterThanOrEqual(500);
    } else {
      // SpiceDB did not answer the call: the whole request fails, as a single check does
      expect(bulk.status).toBe(status);
      if (status === 503 || status === 504) expect(bulk.headers['retry-after']).toBe('1');
    }
  });

  it('a write SpiceDB did not answer says its outcome is unknown (it may have landed): read before retrying', async () => {
    // the write's reads succeed, the write itself meets the outage
    let failWrites = false;
    const app = appWith(() => {
      if (failWrites) throw Object.assign(new Error('boom'), { code: 14 });
      return v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
    });
    failWrites = true;
    const res = await request(app).post('/v1/businesses').set(bearer(KEYS.admin)).set('RAC-Actor', 'rep:A1B2C3D').send({ bn: '123456789', name: 'X' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.detail).toMatch(/may or may not have been applied/);
    // a check has nothing to apply: its detail stays the plain one
    const check = await request(app).post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(check.status).toBe(503);
    expect(check.body.detail).not.toMatch(/applied/);
  });

  it("a consistency token ahead of SpiceDB's datastore (OutOfRange, after a restore) is the caller's 400, naming the header", async () => {
    const app = appWith(() => {
      throw Object.assign(new Error('invalid zedtoken: revision is in the future'), { code: 11 });
    });
    const res = await request(app).post('/v1/check').set(bearer(KEYS.check)).set('RAC-At-Least-As-Fresh', 'GhUKEzE3OTYwODI3OTQ3NDQzMjY5ODg=').send(CHECK);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['headers.RAC-At-Least-As-Fresh']);
  });

  it('a write or delete SpiceDB answered without a revision is an error, never "done"', async () => {
    const api = {
      writeRelationships: async () => v1.WriteRelationshipsResponse.create({}),
      deleteRelationships: async () => v1.DeleteRelationshipsResponse.create({}),
    } as unknown as SpiceDbApi;
    const store = new SpiceDbStore('server', api);
    const rel = { resource: { type: 'business', id: '123456789' }, relation: 'registered', subject: { type: 'rep', id: '*' } };
    await expect(store.write([{ operation: 'touch', relationship: rel }])).rejects.toBeInstanceOf(StoreInternalError);
    await expect(store.deleteRelationships({ resourceType: 'business' })).rejects.toBeInstanceOf(StoreInternalError);
  });

  it('an embedded engine that stops answering: checks time out (503 engine-timeout), never wait for ever', async () => {
    const never = () => new Promise<Uint8Array>(() => {});
    const calls = unaryCalls({ check: never, checkBulk: never, write: never, del: never }, 50);
    const store = serviceStore(new SpiceDbStore('embedded', calls as unknown as SpiceDbApi), createMetrics(), { maxBatch: 100, maxWaitMs: 0 }, 0);
    const q = { resource: { type: 'business', id: '123456789' }, permission: 'manage_groups', subject: { type: 'rep', id: 'A1B2C3D' } };
    await expect(store.check(q, { kind: 'minimizeLatency' })).rejects.toBeInstanceOf(StoreTimeoutError);
    await expect(store.checkBulk([q, q], { kind: 'fullyConsistent' })).rejects.toBeInstanceOf(StoreTimeoutError);
  });

  it('a deadline is told apart by its problem type, not its status', async () => {
    const res = await request(appWith(grpcError(4))).post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('/problems/engine-timeout');
    const down = await request(appWith(grpcError(14))).post('/v1/check').set(bearer(KEYS.check)).send(CHECK);
    expect(down.body.type).toBe('/problems/engine-unavailable');
  });

  it('a bulk item with neither an answer nor an error is an internal error, never a yes', async () => {
    const api = {
      checkBulkPermissions: async () => v1.CheckBulkPermissionsResponse.create({ checkedAt: { token: 't' }, pairs: [{ response: { oneofKind: undefined } }] }),
    } as unknown as SpiceDbApi;
    const q = { resource: { type: 'business', id: '123456789' }, permission: 'manage_groups', subject: { type: 'rep', id: 'A1B2C3D' } };
    const r = await new SpiceDbStore('server', api).checkBulk([q], { kind: 'minimizeLatency' });
    expect(r.results).toEqual([{ error: expect.any(StoreInternalError) }]);
  });

  it('a bulk answer that does not match the question (fewer answers than checks) is an error, never a yes', async () => {
    const api = {
      checkBulkPermissions: async () =>
        v1.CheckBulkPermissionsResponse.create({
          checkedAt: { token: 't' },
          pairs: [{ response: { oneofKind: 'item', item: { permissionship: v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION } } }],
        }),
    } as unknown as SpiceDbApi;
    const q = { resource: { type: 'business', id: '123456789' }, permission: 'manage_groups', subject: { type: 'rep', id: 'A1B2C3D' } };
    await expect(new SpiceDbStore('server', api).checkBulk([q, q], { kind: 'minimizeLatency' })).rejects.toBeInstanceOf(StoreInternalError);
  });

  it('a bulk answer naming another check than the one at its place (reordered) is an error, never a yes', async () => {
    const HAS = v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
    const NO = v1.CheckPermissionResponse_Permissionship.NO_PERMISSION;
    const api = {
      checkBulkPermissions: async (req: v1.CheckBulkPermissionsRequest) =>
        v1.CheckBulkPermissionsResponse.create({
          checkedAt: { token: 't' },
          // the answers in the other order: B's yes at A's place
          pairs: [
            { request: req.items[1], response: { oneofKind: 'item', item: { permissionship: HAS } } },
            { request: req.items[0], response: { oneofKind: 'item', item: { permissionship: NO } } },
          ],
        }),
    } as unknown as SpiceDbApi;
    const q = (rep: string) => ({ resource: { type: 'business', id: '123456789' }, permission: 'manage_groups', subject: { type: 'rep', id: rep } });
    const r = await new SpiceDbStore('server', api).checkBulk([q('AAAAAA1'), q('BBBBBB2')], { kind: 'minimizeLatency' });
    expect(r.results).toEqual([{ error: expect.any(StoreInternalError) }, { error: expect.any(StoreInternalError) }]);
  });

  it("a write SpiceDB refuses with FailedPrecondition is the caller's 409 only when a write precondition did not hold", () => {
    const conflict = toDomainError(new Error('rpc error: code = FailedPrecondition desc = unable to satisfy write precondition `operation:MUST_MATCH`'), 'WriteRelationships');
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(toDomainError(Object.assign(new Error('unable to satisfy write precondition'), { code: 9 }), 'DeleteRelationships')).toBeInstanceOf(ConflictError);
    // a relation the schema SpiceDB holds lacks (another instance wrote an older one): ours, a 500
    const schema = toDomainError(Object.assign(new Error('relation/permission `landlord` not found under definition `business`'), { code: 9 }), 'WriteRelationships');
    expect(schema).toBeInstanceOf(StoreRejectedError);
  });

  it('/readyz says 503 while SpiceDB is unreachable; /healthz stays 200', async () => {
    const app = appWith(grpcError(14));
    expect((await request(app).get('/readyz')).status).toBe(503);
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});
