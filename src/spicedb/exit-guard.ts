// The process can exit while an engine call never returns. Calls into an embedded engine run on
// libuv's worker threads (embedded-ffi.ts), and at exit libuv joins every one of those threads:
// one call that never returns (an engine stuck in its own work, see the stalled lookups in
// spicedb-store.ts, whose stop is then left behind) holds the process forever after
// `process.exit()`. Seen in CI: every test had passed, jest's forced exit then hung until the step's
// 30 minutes ran out. Here the calls in flight are counted; when the process exits through
// `process.exit()` with one still running (a shutdown; a fatal error, see exitOnFatalError; jest),
// its exit listeners run and the process then ends at once (`_exit`), with its code.
import koffi from 'koffi';
import { platform } from 'node:os';

let inFlight = 0;
let guarding = false;
/** end at once at exit even with no call in flight (alwaysExitAtOnce) */
let always = false;

/** the C library's `_exit`: ends the process without running its exit handlers (libuv's join) */
function immediateExit(): ((code: number) => void) | undefined {
  const names =
    platform() === 'darwin'
      ? ['libSystem.B.dylib']
      : platform() === 'linux'
        ? ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1']
        : [];
  for (const name of names) {
    try {
      const exit = koffi.load(name).func('void _exit(int)');
      return (code) => exit(code);
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * At exit, with a call in flight: Node ends every `process.exit()` with `process.reallyExit(code)`
 * once the exit listeners have run (a hook Node documents in its source as patched by userland);
 * here that last step ends the process without libuv's join. Every exit listener still runs, even
 * one that calls `process.exit` again (jest's does).
 */
function onExit(): void {
  if (inFlight === 0 && !always) return;
  const exit = immediateExit();
  if (!exit) return; // no way around libuv's join here: the exit may wait for the call
  (process as unknown as { reallyExit: (code?: number | string) => void }).reallyExit = (code) => exit(exitCode(code));
}

/** the exit code as `_exit` takes it: Node passes a number, or a string of one (process.exit('3')) */
function exitCode(code: number | string | undefined): number {
  const n = typeof code === 'number' ? code : Number.parseInt(code ?? '0', 10);
  return Number.isInteger(n) ? n : 1;
}

function guard(): void {
  if (guarding) return;
  guarding = true;
  process.on('exit', onExit);
}

/**
 * This process always ends at once at exit, calls in flight or not: for a process that cannot see
 * them, jest's, whose test files each have their own copy of this module and their own `process`
 * (its exit listeners never run).
 */
export function alwaysExitAtOnce(): void {
  always = true;
  guard();
}

/**
 * A fatal error (an exception nobody caught, a rejection nobody handled) ends the process through
 * `process.exit(1)`, after `report` says what it was: Node's own fatal path does not end with
 * `process.reallyExit`, and would wait for a call in flight. For a service's main module.
 */
export function exitOnFatalError(report: (err: unknown) => void): void {
  process.on('uncaughtException', (err) => {
    try {
      report(err);
    } finally {
      process.exit(1);
    }
  });
}

/** a function koffi can call on a worker thread */
interface AsyncCallable {
  async: (...args: unknown[]) => unknown;
}

/**
 * `fn.async(...args, callback)`: `fn` called on one of libuv's worker threads, counted until its
 * callback runs (or until koffi refuses to start it, throwing here).
 */
export function callAsync(fn: AsyncCallable, args: unknown[], callback: (err: unknown, result: unknown) => void): void {
  guard();
  inFlight++;
  try {
    fn.async(...args, (err: unknown, result: unknown) => {
      inFlight--;
      callback(err, result);
    });
  } catch (err) {
    inFlight--;
    throw err;
  }
}
