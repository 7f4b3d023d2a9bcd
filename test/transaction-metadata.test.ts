// Every change the service makes to SpiceDB is tagged with transaction metadata (actor, operation,
// target, request id): a command's atomic write and the clean-up deletes that follow it (deleting a
// group, cancelling a firm), so SpiceDB's own record of a change names who made it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { v1 } from '@authzed/authzed-node';
import type { RelationshipFilter } from '../src/domain/store-port.js';
import type { SpiceDbApi } from '../src/spicedb/spicedb-api.js';
import { SpiceDbStore } from '../src/spicedb/spicedb-store.js';
import { Api } from './support/api.js';
import { startTestApp, type TestApp } from './support/app.js';
import { openTestStore, overriding } from './support/store.js';

describe('the store sends the metadata with the request', () => {
  it('on a delete, every page of it', async () => {
    const sent: v1.DeleteRelationshipsRequest[] = [];
    const api = {
      deleteRelationships: async (req: v1.DeleteRelationshipsRequest) => {
        sent.push(req);
        // two pages: the first partial
        const progress = sent.length === 1 ? v1.DeleteRelationshipsResponse_DeletionProgress.PARTIAL : v1.DeleteRelationshipsResponse_DeletionProgress.COMPLETE;
        return v1.DeleteRelationshipsResponse.create({ deletedAt: { token: 't' }, deletionProgress: progress });
      },
    } as unknown as SpiceDbApi;
    await new SpiceDbStore('server', api).deleteRelationships({ resourceType: 'bn_group', resourceId: '123456789_g1' }, { metadata: { actor: 'rep:A1B2C3D', request_id: 'r1' } });
    expect(sent).toHaveLength(2);
    for (const req of sent) expect(v1.PbStruct.toJson(req.optionalTransactionMetadata!)).toEqual({ actor: 'rep:A1B2C3D', request_id: 'r1' });
  });
});

describe('commands tag their clean-ups like their writes', () => {
  const writes: Array<Record<string, string> | undefined> = [];
  const deletes: Array<{ filter: RelationshipFilter; metadata: Record<string, string> | undefined }> = [];
  let t: TestApp;
  let api: Api;
  beforeAll(async () => {
    const raw = await openTestStore();
    const recording = overriding(raw, {
      write: (updates, options) => (writes.push(options?.metadata), raw.write(updates, options)),
      deleteRelationships: (filter, options) => (deletes.push({ filter, metadata: options?.metadata }), raw.deleteRelationships(filter, options)),
    });
    t = await startTestApp({ store: recording });
    api = new Api(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('deleting a group, and cancelling a firm', async () => {
    const bn = '246802468';
    await api.ok(201, 'rep:META001', 'post', '/v1/businesses', { bn, name: 'Tagged' });
    await api.ok(201, 'rep:META001', 'put', `/v1/businesses/${bn}/employees/META002`, { role: 'junior_rep' });
    const gid = (await api.ok(201, 'rep:META001', 'post', `/v1/businesses/${bn}/groups`, { name: 'Team' })).body.groupId as string;
    await api.ok(201, 'rep:META001', 'put', `/v1/businesses/${bn}/groups/${gid}/employees/META002`);
    deletes.length = 0;
    const del = await api.ok(204, 'rep:META001', 'delete', `/v1/businesses/${bn}/groups/${gid}`);
    expect(deletes.length).toBeGreaterThan(0);
    for (const d of deletes) {
      expect(d.metadata).toEqual({ actor: 'rep:META001', operation: 'group.delete', target: `bn_group:${bn}_${gid}`, request_id: expect.any(String) });
    }
    expect(del.headers['x-request-id']).toBe(deletes[0]!.metadata!.request_id);

    deletes.length = 0;
    await api.ok(200, 'rep:META001', 'post', `/v1/businesses/${bn}/cancel`);
    expect(deletes.length).toBeGreaterThan(0);
    for (const d of deletes) expect(d.metadata).toMatchObject({ actor: 'rep:META001', operation: 'business.cancel', target: `business:${bn}` });
    // and every write carried its own
    for (const w of writes) expect(w).toMatchObject({ operation: expect.any(String), request_id: expect.any(String) });
  });
});
