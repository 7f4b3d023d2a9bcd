// Where the machine's CPU went during one scenario, per request: the rac-authz process measured
// (its embedded engine included), SpiceDB, Postgres, the load generator (this process: autocannon
// and the gRPC loop run here), and the rest of the machine (idle rac-authz instances of other rows,
// other tenants). Read from /proc, so Linux only; elsewhere the figures are left out. On a shared,
// noisy machine CPU time per request moves less than requests per second, and "cores busy" shows
// whether a scenario kept the machine saturated.
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuShare {
  /** CPU ms per request */
  rac?: number;
  spicedb: number;
  postgres: number;
  load: number;
  rest: number;
  /** cores busy on average over the scenario (all processes) */
  cores: number;
}

interface Snapshot {
  at: number;
  byPid: Map<number, { kind: 'spicedb' | 'postgres' | 'other'; seconds: number }>;
  machineBusy: number;
}

const TICK = 100; // USER_HZ: 100 on Linux everywhere that matters

function processSeconds(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return undefined; // gone meanwhile
  }
}

export function kindOf(pid: string): 'spicedb' | 'postgres' | 'other' {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.startsWith('postgres')) return 'postgres';
    if (/spicedb\0serve\0/.test(cmd)) return 'spicedb';
  } catch {
    // gone meanwhile
  }
  return 'other';
}

function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  const [user, nice, system, , , irq, softirq, steal] = cpu as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + (steal ?? 0)) / TICK;
}

export const cpuAccounting = process.platform === 'linux';

export function snapshot(): Snapshot | undefined {
  if (!cpuAccounting) return undefined;
  const byPid = new Map<number, { kind: 'spicedb' | 'postgres' | 'other'; seconds: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const seconds = processSeconds(pid);
    if (seconds !== undefined) byPid.set(Number(pid), { kind: kindOf(pid), seconds });
  }
  return { at: performance.now(), byPid, machineBusy: machineBusySeconds() };
}

/** CPU per request between two snapshots; `racPid`: the rac-authz process the scenario measured */
export function share(before: Snapshot | undefined, after: Snapshot | undefined, requests: number, racPid?: number): CpuShare | undefined {
  if (!before || !after || requests <= 0) return undefined;
  const used = { rac: 0, spicedb: 0, postgres: 0, load: 0 };
  for (const [pid, now] of after.byPid) {
    const delta = now.seconds - (before.byPid.get(pid)?.seconds ?? 0);
    if (pid === racPid) used.rac += delta;
    else if (pid === process.pid) used.load += delta;
    else if (now.kind !== 'other') used[now.kind] += delta;
  }
  const busy = after.machineBusy - before.machineBusy;
  const ms = (s: number) => Math.round((s / requests) * 1e5) / 100;
  return {
    ...(racPid !== undefined ? { rac: ms(used.rac) } : {}),
    spicedb: ms(used.spicedb),
    postgres: ms(used.postgres),
    load: ms(used.load),
    rest: ms(Math.max(0, busy - used.rac - used.spicedb - used.postgres - used.load)),
    cores: Math.round((busy / ((after.at - before.at) / 1000)) * 100) / 100,
  };
}
