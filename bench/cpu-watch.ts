import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { sleep } from './lib.js';

/**
 * Other work on the machine skews every figure here (clients and server already share two
 * cores). This samples the CPU time of processes outside this benchmark's own process tree,
 * so each section can say how busy the machine was, and can wait for it to be quiet first.
 */

const TICK = 100; // USER_HZ on Linux

interface Proc {
  ppid: number;
  cpu: number;
}

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function ours(procs: Map<number, Proc>): Set<number> {
  const mine = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!mine.has(pid) && mine.has(p.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  return mine;
}

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}

export class CpuWatch {
  private last = new Map<number, number>();
  private foreign = 0;
  private timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(periodMs = 500) {
    this.sample();
    this.foreign = 0;
    this.timer = setInterval(() => this.sample(), periodMs);
    this.timer.unref();
  }

  private sample(): void {
    const procs = processes();
    const mine = ours(procs);
    const next = new Map<number, number>();
    for (const [pid, p] of procs) {
      next.set(pid, p.cpu);
      // Kernel threads (children of kthreadd, pid 2) are skipped: loopback traffic of the
      // benchmark itself is partly processed there.
      if (mine.has(pid) || pid === 2 || p.ppid === 2) continue;
      // A process first seen now is counted from zero: it started during the window.
      this.foreign += p.cpu - (this.last.get(pid) ?? (this.last.size > 0 ? 0 : p.cpu));
    }
    this.last = next;
  }

  /** Share of the machine's CPU (all cores) used by other processes since the start. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    const seconds = (performance.now() - this.started) / 1000;
    return this.foreign / (seconds * cpus().length);
  }
}

/** Waits (at most `maxMs`) until other processes use under `threshold` of the machine for 3 s running. */
export async function waitForQuiet(maxMs = 60_000, threshold = 0.1): Promise<number> {
  const deadline = Date.now() + maxMs;
  let share = 1;
  while (Date.now() < deadline) {
    const w = new CpuWatch(250);
    await sleep(3000);
    share = w.stop();
    if (share < threshold) return share;
  }
  return share;
}
