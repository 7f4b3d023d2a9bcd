// BENCH_PIN=1: the server part with SpiceDB and Postgres on the machine's last CPU and everything
// else (this process, which runs the load, and rac-authz) on the others. That is the shape of a
// sidecar deployment: rac-authz runs on its caller's host, SpiceDB on cores of its own that every
// caller shares, so what counts is how many checks a second each path gets out of SpiceDB's cores,
// not what rac-authz's own process costs. Linux with taskset, and the right to set the affinity of
// SpiceDB's and Postgres's processes; every process touched gets all CPUs back at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { kindOf } from './cpu.js';

export interface Pinning {
  /** the CPUs SpiceDB and Postgres run on, and the rest's, as taskset lists them */
  spicedbCpus: string;
  restCpus: string;
  restore(): void;
}

const taskset = (cpus: string, pid: number) => spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;

/** SpiceDB's and Postgres's processes now (Postgres starts a process per connection) */
function serverSide(): Array<{ pid: number; kind: 'spicedb' | 'postgres' }> {
  return readdirSync('/proc').flatMap((p) => {
    const kind = /^\d+$/.test(p) ? kindOf(p) : 'other';
    return kind === 'other' ? [] : [{ pid: Number(p), kind }];
  });
}

export function pinServerSide(racPid: number): Pinning {
  const n = availableParallelism();
  if (n < 2) throw new Error('BENCH_PIN needs at least two CPUs');
  const all = `0-${n - 1}`;
  const spicedbCpus = String(n - 1);
  const restCpus = n === 2 ? '0' : `0-${n - 2}`;
  const ours = [process.pid, racPid];
  const restore = () => {
    for (const pid of [...serverSide().map((p) => p.pid), ...ours]) taskset(all, pid);
  };
  const pin = (pid: number) => {
    // a process that failed because it has just ended is no matter
    if (!taskset(spicedbCpus, pid) && kindOf(String(pid)) !== 'other') {
      restore();
      throw new Error(`BENCH_PIN: could not set the CPUs of process ${pid} (taskset, and the right to change that process)`);
    }
  };
  const theirs = serverSide();
  if (!theirs.some((p) => p.kind === 'spicedb')) throw new Error('BENCH_PIN: no `spicedb serve` process on this machine to pin');
  for (const { pid } of theirs) pin(pid);
  // Postgres's connections opened from now on inherit its first process's CPUs; a second pass,
  // after the first has pinned it, catches one opened while the first ran
  const known = new Set(theirs.map((p) => p.pid));
  for (const { pid } of serverSide()) if (!known.has(pid)) pin(pid);
  for (const pid of ours) taskset(restCpus, pid);
  // ended early (Ctrl-C, a CI step's timeout: servers.ts turns both into an exit), the machine
  // gets its CPUs back all the same
  process.once('exit', restore);
  return {
    spicedbCpus,
    restCpus,
    restore: () => {
      process.off('exit', restore);
      restore();
    },
  };
}
