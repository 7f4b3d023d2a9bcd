// The process exits even when an engine call never returns (src/spicedb/exit-guard.ts): libuv joins
// its worker threads at exit, so an engine left behind by a stalled lookup once held jest's forced
// exit until CI's time ran out (every test had passed). A child process leaves a 60 s call behind
// and exits: it must end at once, with its code, its exit listeners run; and jest itself, on a test
// file that does the same, must end too.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { ROOT } from './support/processes.js';

interface Ran {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, ms: Date.now() - started });
    }),
  );
}

describe('exit with an engine call stuck (Linux: the call sleeps in its C library)', () => {
  const child = (how: string) => run(['--import', 'tsx', 'test/support/exit-with-stuck-call.ts', '60', how], { NODE_OPTIONS: '' });

  it('process.exit: ends at once with its code; later exit listeners run, one exiting again', async () => {
    const r = await child('exit');
    expect(r.err).toContain('the embedded engine did not stop within 100 ms; it is left behind');
    expect(r.out).toContain('later exit listener ran with 7');
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);

  it("process.exit('7'), a code as a string: the same code", async () => {
    const r = await child('exit-string');
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);

  it('an exception nobody caught, with the service\'s fatal-error handler: ends at once, code 1, the error said', async () => {
    const r = await child('throw');
    expect(r.err).toContain('fatal: nobody caught this');
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);

  const jest = (env: Record<string, string>) =>
    run(
      [ROOT + 'node_modules/jest/bin/jest.js', '--ci', '--testMatch', '**/fixtures/left-behind.fixture.ts', '--testPathIgnorePatterns', '/node_modules/'],
      { NODE_OPTIONS: '--experimental-vm-modules', ...env },
    );

  it('jest ends after a test file left a call behind (its global setup), code 0', async () => {
    const r = await jest({ FIXTURE_FAIL: '' });
    expect(r.err).toContain('1 passed, 1 total');
    expect(r.err).toContain('it is left behind');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(30_000);
  }, 60_000);

  it('... and with the test failing, code 1', async () => {
    const r = await jest({ FIXTURE_FAIL: '1' });
    expect(r.err).toContain('1 failed, 1 total');
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(30_000);
  }, 60_000);
});
