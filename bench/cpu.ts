// CPU accounting of a measured window from /proc (Linux; elsewhere the figures are left out): CPU time of the named
// processes (server, load generator, SQL client), of this run's PostgreSQL (the postmaster and its children), and of
// everything else on the machine ("other": other users' work and kernel time not charged to a process). A large
// "other" means the machine was not quiet and the run is noisy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuSample {
  at: number;
  machineBusyTicks: number;
  processTicks: Record<string, number>;
}

export interface CpuUse {
  /** Cores busy on average over the window, machine-wide, and for work outside this benchmark. */
  machineBusyCores: number;
  otherCores: number;
  /** CPU milliseconds per unit of work (request, resource, row) by process group. */
  msPerUnit: Record<string, number>;
}

let postmasterPid: number | undefined;

/** Makes every sample include the PostgreSQL cluster whose postmaster has this pid. */
export function accountPostgres(pid: number | undefined): void {
  postmasterPid = pid;
}

function machineBusy(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq] = fields; // idle, iowait and steal are not work done here
  return user + nice + system + irq + softirq;
}

function stat(pid: number | string): { ppid: number; ticks: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }; // utime + stime
}

function postgresTicks(root: number): number {
  let ticks = stat(root).ticks;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      try {
        const s = stat(entry);
        if (s.ppid === root) ticks += s.ticks;
      } catch {
        // exited meanwhile
      }
    }
  }
  return ticks;
}

export function sampleCpu(pids: Record<string, number>): CpuSample | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  try {
    const ticks: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) ticks[name] = stat(pid).ticks;
    if (postmasterPid) ticks.postgres = postgresTicks(postmasterPid);
    return { at: performance.now(), machineBusyTicks: machineBusy(), processTicks: ticks };
  } catch {
    return undefined;
  }
}

export function cpuUse(start: CpuSample | undefined, end: CpuSample | undefined, units: number): CpuUse | undefined {
  if (!start || !end || units <= 0) return undefined;
  const seconds = (end.at - start.at) / 1000;
  const busyMs = (end.machineBusyTicks - start.machineBusyTicks) * TICK_MS;
  const msPerUnit: Record<string, number> = {};
  let named = 0;
  for (const name of Object.keys(start.processTicks)) {
    const ms = (end.processTicks[name] - start.processTicks[name]) * TICK_MS;
    named += ms;
    msPerUnit[name] = round(ms / units);
  }
  const otherMs = Math.max(0, busyMs - named);
  msPerUnit.other = round(otherMs / units);
  return { machineBusyCores: round(busyMs / 1000 / seconds), otherCores: round(otherMs / 1000 / seconds), msPerUnit };
}

/** Cores busy machine-wide over `ms` milliseconds: a check that the machine is quiet before measuring. */
export async function machineLoad(ms = 1000): Promise<number | undefined> {
  if (!existsSync('/proc/stat')) return undefined;
  const before = machineBusy();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return round(((machineBusy() - before) * TICK_MS) / (performance.now() - started));
}

const round = (n: number) => Number(n.toFixed(3));
