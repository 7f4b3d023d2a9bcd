// Failover to another SpiceDB node, in the server backend. The channel: SPICEDB_ENDPOINT as a
// list of addresses, round-robin over them, a check retried once on UNAVAILABLE (it lands on
// another node), a write never retried; two fake PermissionsService nodes on loopback, one
// answering every call UNAVAILABLE (a node dying under its calls), the other answering. The
// store: a bulk item SpiceDB answered UNAVAILABLE (its dispatch to a dying node failed) is asked
// once more. test/reliability/scale-out.test.ts does it all with real nodes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { v1 } from '@authzed/authzed-node';
// @grpc/grpc-js is what @authzed/authzed-node is built on; the test uses it for the fake nodes
import * as grpc from '@grpc/grpc-js';
import { loadConfig } from '../src/config.js';
import { channelTarget, connectServer } from '../src/spicedb/server.js';
import type { SpiceDbApi } from '../src/spicedb/spicedb-api.js';
import { SpiceDbStore } from '../src/spicedb/spicedb-store.js';

type Kind = 'CheckPermission' | 'CheckBulkPermissions' | 'WriteRelationships';
interface Codec<T> {
  toBinary(m: T): Uint8Array;
  fromBinary(b: Uint8Array): T;
}
function method<I, O>(name: Kind, req: Codec<I>, res: Codec<O>): grpc.MethodDefinition<I, O> {
  return {
    path: `/authzed.api.v1.PermissionsService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m) => Buffer.from(req.toBinary(m)),
    requestDeserialize: (b) => req.fromBinary(b),
    responseSerialize: (m) => Buffer.from(res.toBinary(m)),
    responseDeserialize: (b) => res.fromBinary(b),
  };
}
const SERVICE = {
  CheckPermission: method('CheckPermission', v1.CheckPermissionRequest, v1.CheckPermissionResponse),
  CheckBulkPermissions: method('CheckBulkPermissions', v1.CheckBulkPermissionsRequest, v1.CheckBulkPermissionsResponse),
  WriteRelationships: method('WriteRelationships', v1.WriteRelationshipsRequest, v1.WriteRelationshipsResponse),
};

interface FakeNode {
  port: number;
  calls: Record<Kind, number>;
  server: grpc.Server;
}
async function fakeNode(up: boolean, host = '127.0.0.1'): Promise<FakeNode> {
  const calls: Record<Kind, number> = { CheckPermission: 0, CheckBulkPermissions: 0, WriteRelationships: 0 };
  const answer =
    <O>(kind: Kind, ok: () => O) =>
    (_call: unknown, done: grpc.sendUnaryData<O>) => {
      calls[kind]++;
      if (up) done(null, ok());
      else done({ code: grpc.status.UNAVAILABLE, details: 'node going away' });
    };
  const server = new grpc.Server();
  server.addService(SERVICE, {
    CheckPermission: answer('CheckPermission', () =>
      v1.CheckPermissionResponse.create({ permissionship: v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION }),
    ),
    CheckBulkPermissions: answer('CheckBulkPermissions', () => v1.CheckBulkPermissionsResponse.create({ pairs: [] })),
    WriteRelationships: answer('WriteRelationships', () => v1.WriteRelationshipsResponse.create({})),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(host.includes(':') ? `[${host}]:0` : `${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, calls, server };
}

describe('SPICEDB_ENDPOINT with several nodes', () => {
  it('accepts host:port or a list of IPv4 (or of IPv6) address:port; the list becomes an ipv4: (ipv6:) target', () => {
    // over TLS a list needs the name the nodes' certificates carry (else only the first is used)
    const base = { SPICEDB_TOKEN: 'psk', RAC_PSEUDONYM_KEY: 'k'.repeat(32), SPICEDB_TLS_SERVER_NAME: 'spicedb.internal' };
    const list = '127.0.0.1:50051,127.0.0.2:50051';
    expect(() => loadConfig({ ...base, SPICEDB_TLS_SERVER_NAME: undefined, SPICEDB_ENDPOINT: list })).toThrow(/SPICEDB_TLS_SERVER_NAME/);
    expect(loadConfig({ ...base, SPICEDB_TLS_SERVER_NAME: undefined, SPICEDB_INSECURE: 'true', SPICEDB_ENDPOINT: list }).spicedb).toMatchObject({ endpoint: list });
    expect(loadConfig({ ...base, SPICEDB_ENDPOINT: list }).spicedb).toMatchObject({ backend: 'server', endpoint: list });
    expect(channelTarget(list)).toBe(`ipv4:${list}`);
    expect(channelTarget('spicedb:50051')).toBe('spicedb:50051');
    // IPv6 literals in brackets, alone or listed (an ipv6: target; a list mixing both is refused)
    const v6 = '[::1]:50051,[fd00::2]:50051';
    expect(loadConfig({ ...base, SPICEDB_ENDPOINT: '[::1]:50051' }).spicedb).toMatchObject({ endpoint: '[::1]:50051' });
    expect(loadConfig({ ...base, SPICEDB_ENDPOINT: v6 }).spicedb).toMatchObject({ endpoint: v6 });
    expect(channelTarget('[::1]:50051')).toBe('[::1]:50051');
    expect(channelTarget(v6)).toBe(`ipv6:${v6}`);
    for (const bad of ['spicedb:50051,spicedb2:50051', '127.0.0.1:50051,', '127.0.0.1,127.0.0.2:50051', '::1:50051', '[::1]', '[::1]:50051,127.0.0.1:50051', '[spicedb]:50051']) {
      expect(() => loadConfig({ ...base, SPICEDB_ENDPOINT: bad })).toThrow(/SPICEDB_ENDPOINT/);
    }
  });

  it.each([1, 2])('reaches SpiceDB on IPv6 addresses (%i of them)', async (n) => {
    const nodes = [await fakeNode(true, '::1'), ...(n === 2 ? [await fakeNode(true, '::1')] : [])];
    const v6 = connectServer({ endpoint: nodes.map((x) => `[::1]:${x.port}`).join(','), token: 't', insecure: true, deadlineMs: 2000 });
    try {
      for (let i = 0; i < 4; i++) {
        const r = await v6.checkPermission(v1.CheckPermissionRequest.create({}));
        expect(r.permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
      }
      expect(nodes.reduce((sum, x) => sum + x.calls.CheckPermission, 0)).toBe(4);
    } finally {
      await v6.close();
      for (const x of nodes) x.server.forceShutdown();
    }
  });

  let down: FakeNode;
  let up: FakeNode;
  let api: SpiceDbApi;
  beforeAll(async () => {
    down = await fakeNode(false);
    up = await fakeNode(true);
    api = connectServer({ endpoint: `127.0.0.1:${down.port},127.0.0.1:${up.port}`, token: 't', insecure: true, deadlineMs: 2000 });
    // until both nodes are connected, round-robin has only one to pick: warm up, then count afresh
    for (let i = 0; i < 200 && (down.calls.CheckPermission === 0 || up.calls.CheckPermission === 0); i++) {
      await api.checkPermission(v1.CheckPermissionRequest.create({})).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const node of [down, up]) node.calls.CheckPermission = 0;
  });
  afterAll(() => {
    api?.close();
    down?.server.forceShutdown();
    up?.server.forceShutdown();
  });

  it('a check that meets UNAVAILABLE is asked once more, of the other node: every check answers', async () => {
    const N = 20;
    for (let i = 0; i < N; i++) {
      const r = await api.checkPermission(v1.CheckPermissionRequest.create({}));
      expect(r.permissionship).toBe(v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION);
      await api.checkBulkPermissions(v1.CheckBulkPermissionsRequest.create({ items: [] }));
    }
    // round-robin sent some first attempts to the failing node, each retried on the other
    expect(down.calls.CheckPermission).toBeGreaterThan(0);
    expect(down.calls.CheckBulkPermissions).toBeGreaterThan(0);
    expect(up.calls.CheckPermission).toBe(N);
    expect(up.calls.CheckBulkPermissions).toBe(N);
  });

  it('a write that meets UNAVAILABLE is not retried: it fails, one attempt each', async () => {
    const N = 20;
    let failed = 0;
    for (let i = 0; i < N; i++) {
      await api.writeRelationships(v1.WriteRelationshipsRequest.create({ updates: [] })).catch((err: { code?: number }) => {
        expect(err.code).toBe(grpc.status.UNAVAILABLE);
        failed++;
      });
    }
    expect(down.calls.WriteRelationships + up.calls.WriteRelationships).toBe(N);
    expect(failed).toBe(down.calls.WriteRelationships);
    expect(failed).toBeGreaterThan(0);
  });
});

describe('a bulk item SpiceDB answered UNAVAILABLE', () => {
  const HAS = v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION;
  const NO = v1.CheckPermissionResponse_Permissionship.NO_PERMISSION;
  const item = (permissionship: v1.CheckPermissionResponse_Permissionship): v1.CheckBulkPermissionsPair =>
    v1.CheckBulkPermissionsPair.create({ response: { oneofKind: 'item', item: { permissionship } } });
  const error = (code: number): v1.CheckBulkPermissionsPair =>
    v1.CheckBulkPermissionsPair.create({ response: { oneofKind: 'error', error: { code, message: 'x', details: [] } } });
  /** a SpiceDB that answers each CheckBulkPermissions call with the next scripted list of pairs */
  const scripted = (...answers: v1.CheckBulkPermissionsPair[][]) => {
    const asked: string[][] = [];
    const api = {
      checkBulkPermissions: async (req: v1.CheckBulkPermissionsRequest) => {
        asked.push(req.items.map((i) => i.subject!.object!.objectId));
        // each pair names the check it answers, as SpiceDB's do
        const pairs = answers.shift()!.map((p, i) => ({ ...p, request: req.items[i] }));
        return v1.CheckBulkPermissionsResponse.create({ pairs, checkedAt: { token: 't' } });
      },
    } as unknown as SpiceDbApi;
    return { store: new SpiceDbStore('server', api), asked };
  };
  const q = (rep: string) => ({ resource: { type: 'business', id: '123456789' }, permission: 'view_employees', subject: { type: 'rep', id: rep } });
  const FULL = { kind: 'fullyConsistent' } as const;

  it('is asked once more, alone with the others like it; the rest keep their answers', async () => {
    const { store, asked } = scripted([item(HAS), error(14), item(NO), error(14)], [item(NO), item(HAS)]);
    const r = await store.checkBulk([q('AAAAAA1'), q('AAAAAA2'), q('AAAAAA3'), q('AAAAAA4')], FULL);
    expect(r.results).toEqual([{ allowed: true }, { allowed: false }, { allowed: false }, { allowed: true }]);
    expect(asked).toEqual([['AAAAAA1', 'AAAAAA2', 'AAAAAA3', 'AAAAAA4'], ['AAAAAA2', 'AAAAAA4']]);
  });

  it('failing again, or failing otherwise, it keeps its error: never a yes', async () => {
    const again = scripted([item(HAS), error(14)], [error(14)]);
    const r = await again.store.checkBulk([q('AAAAAA1'), q('AAAAAA2')], FULL);
    expect(r.results[0]).toEqual({ allowed: true });
    expect(r.results[1]).toHaveProperty('error');
    expect(again.asked).toHaveLength(2);
    const other = scripted([error(3), error(13)]);
    const r2 = await other.store.checkBulk([q('AAAAAA1'), q('AAAAAA2')], FULL);
    expect(r2.results.every((x) => 'error' in x)).toBe(true);
    expect(other.asked).toHaveLength(1);
  });
});
