// rac-authz's own build of the embedded engine (src/spicedb/engine, built by
// scripts/build-engine.sh), loaded when SPICEDB_EMBEDDED_LIBRARY names it. The same SpiceDB as
// the server backend's (v1.57.1), in this process, on its memory datastore, with SpiceDB's caches
// on. Checks, bulk checks, writes and deletes are unary calls through the library on worker
// threads (embedded-ffi.ts); the schema and the streaming calls go to the same engine through
// its gRPC server on a unix socket in a directory only this user can open.
//
// SpiceDB's dispatch cache keeps sub-answers per revision, and does not know about expiries: at a
// revision computed before a relationship expired, it can keep answering as if it had not. Here
// rac-authz is the datastore's only writer, so it makes both of these hold:
//  - reads are asked at the head revision (fully consistent): the head moves only when this
//    process writes, so it is as fresh as any token it gave out, and the cache stays warm between
//    writes (a minimize-latency revision would change every few seconds). That is every
//    minimize-latency read, and every at-least-as-fresh read whose token this engine issued; a
//    token it did not issue goes to SpiceDB as it is (SpiceDB says whether it is valid);
//  - the expiry clock: the first read at or after an expiry this process wrote waits for an empty
//    write, which moves the head past it, so no sub-answer from before the expiry is used again.
import { v1 } from '@authzed/authzed-node';
import koffi from 'koffi';
import { LRUCache } from 'lru-cache';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onWorkerThread, stopOnWorkerThread, unaryCalls, type KoffiFunction } from './embedded-ffi.js';
import { callAsync } from './exit-guard.js';
import { ExpiryList } from './expiry-list.js';
import { connectServer } from './server.js';
import type { SpiceDbApi } from './spicedb-api.js';

interface EngineLibrary {
  start: KoffiFunction;
  unary: KoffiFunction;
  free: KoffiFunction;
  stop: KoffiFunction;
}

const libraries = new Map<string, EngineLibrary>();

function load(path: string): EngineLibrary {
  let lib = libraries.get(path);
  if (lib) return lib;
  const so = koffi.load(path);
  lib = {
    start: so.func('void *rac_engine_start(const char *socket, const char *options)'),
    unary: so.func('rac_engine_unary', 'void', [
      'ulonglong',
      'const char *',
      koffi.pointer('uint8_t'),
      'int',
      koffi.out(koffi.pointer('uint8_t', 2)),
      koffi.out(koffi.pointer('int')),
      koffi.out(koffi.pointer('char', 2)),
    ]),
    free: so.func('void rac_engine_free(void *ptr)'),
    stop: so.func('void rac_engine_stop(unsigned long long handle)'),
  };
  libraries.set(path, lib);
  return lib;
}

const PERMISSIONS = '/authzed.api.v1.PermissionsService/';

export interface EngineOptions {
  /** SpiceDB's dispatch cache (default on) */
  dispatchCache?: boolean;
}

export async function startEngineLibrary(path: string, options: EngineOptions = {}, deadlineMs = 10_000): Promise<SpiceDbApi> {
  const lib = load(path);
  const dir = mkdtempSync(join(tmpdir(), 'rac-spicedb-'));
  const socket = join(dir, 'engine.sock');
  const started = await new Promise<{ handle?: number; error?: string }>((resolve, reject) => {
    callAsync(lib.start, [socket, JSON.stringify({ dispatch_cache: options.dispatchCache ?? true })], (err: unknown, ptr: unknown) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      const text = koffi.decode(ptr, 'char', -1) as string;
      lib.free(ptr);
      resolve(JSON.parse(text) as { handle?: number; error?: string });
    });
  });
  if (started.handle === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded engine ${path} did not start: ${started.error ?? 'no handle'}`);
  }
  const handle = started.handle;
  const unary = (method: string) => onWorkerThread(lib.unary, lib.free, [handle, PERMISSIONS + method]);
  const base = unaryCalls({
    check: unary('CheckPermission'),
    checkBulk: unary('CheckBulkPermissions'),
    write: unary('WriteRelationships'),
    del: unary('DeleteRelationships'),
  });
  // the socket needs no key: only this user can reach its directory
  const grpc = connectServer({ endpoint: `unix://${socket}`, token: 'embedded', insecure: true, deadlineMs });

  const expiries = new ExpiryList();
  let tick: Promise<unknown> = Promise.resolve();
  const EMPTY_WRITE = v1.WriteRelationshipsRequest.create({ updates: [] });
  /** before any read: past an expiry, the head is moved past it first (one write, shared) */
  const advance = async () => {
    try {
      await base.writeRelationships(EMPTY_WRITE);
    } catch (err) {
      expiries.add(Date.now()); // the next read tries again; this one fails (closed)
      throw err;
    }
  };
  const clock = async (): Promise<void> => {
    // strictly past it: SpiceDB counts a relationship expired once its instant is before its clock
    if (expiries.dropBefore(Date.now()) > 0) tick = tick.catch(() => undefined).then(advance);
    await tick;
  };
  const noteExpiries = (req: v1.WriteRelationshipsRequest) => {
    for (const u of req.updates) {
      const at = u.relationship?.optionalExpiresAt;
      if (at) expiries.add(Number(at.seconds) * 1000 + Math.ceil(at.nanos / 1e6));
    }
  };
  /** tokens this engine issued (writes, deletes, checks), recent ones */
  const issued = new LRUCache<string, true>({ max: 10_000 });
  const issue = (token: v1.ZedToken | undefined) => {
    if (token?.token) issued.set(token.token, true);
  };
  const head = <T extends { consistency?: v1.Consistency }>(req: T): T => {
    const r = req.consistency?.requirement;
    const atHead = r?.oneofKind === 'minimizeLatency' || (r?.oneofKind === 'atLeastAsFresh' && issued.has(r.atLeastAsFresh.token));
    return atHead ? { ...req, consistency: FULLY_CONSISTENT } : req;
  };
  /** a streamed read, after the clock */
  const afterClock = <R>(open: () => AsyncIterable<R>): AsyncIterable<R> =>
    (async function* () {
      await clock();
      yield* open();
    })();

  return {
    ...grpc,
    checkPermission: async (req) => {
      await clock();
      const res = await base.checkPermission(head(req));
      issue(res.checkedAt);
      return res;
    },
    checkBulkPermissions: async (req) => {
      await clock();
      const res = await base.checkBulkPermissions(head(req));
      issue(res.checkedAt);
      return res;
    },
    writeRelationships: async (req) => {
      noteExpiries(req);
      const res = await base.writeRelationships(req);
      issue(res.writtenAt);
      return res;
    },
    deleteRelationships: async (req) => {
      const res = await base.deleteRelationships(req);
      issue(res.deletedAt);
      return res;
    },
    // a page after the first is asked as the first was (its cursor is bound to the same arguments)
    readRelationships: (req, signal) => afterClock(() => grpc.readRelationships(head(req), signal)),
    lookupResources: (req, signal) => afterClock(() => grpc.lookupResources(head(req), signal)),
    lookupSubjects: (req, signal) => afterClock(() => grpc.lookupSubjects(head(req), signal)),
    close: async () => {
      await grpc.close();
      // off the event loop: the engine's gRPC server waits for this process's client to go
      try {
        await stopOnWorkerThread(lib.stop, [handle]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const FULLY_CONSISTENT: v1.Consistency = { requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true } };
