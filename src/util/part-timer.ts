/**
 * Where a stage's time goes, part by part: wall time and the CPU time of this process (all its
 * threads, e.g. TensorFlow's) plus the child processes it waited for (gcc, the host model
 * runner). CPU seconds do not depend on how loaded the machine is, wall seconds do; with stages
 * running in parallel in one worker the process CPU of a part includes theirs, so the figures
 * are exact for a stage run alone (docs/results/2026-12-04-default-pipeline-time.md).
 */
import * as fs from 'node:fs';
import { resourceUsage } from 'node:process';

export interface PartTime {
  readonly part: string;
  readonly wallSec: number;
  readonly cpuSec: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux for every architecture). */
const USER_HZ = 100;

/** CPU seconds of waited-for children (cutime + cstime of /proc/self/stat); 0 where there is no /proc. */
function childCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[13]) + Number(rest[14])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** CPU seconds of this process (node's getrusage SELF) and of its waited-for children. */
function cpuSeconds(): number {
  const u = resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6 + childCpuSeconds();
}

export class PartTimer {
  private readonly parts: PartTime[] = [];
  private wall = Date.now();
  private cpu = cpuSeconds();

  /** Ends the current part under `part`'s name and starts the next one. */
  lap(part: string): void {
    const wall = Date.now();
    const cpu = cpuSeconds();
    this.parts.push({ part, wallSec: (wall - this.wall) / 1000, cpuSec: cpu - this.cpu });
    this.wall = wall;
    this.cpu = cpu;
  }

  list(): readonly PartTime[] {
    return this.parts;
  }

  /**
   * As stage metrics (scalars, load-dependent like trainSamplesPerSec, never in artifact
   * bytes): `cpuSec.<part>` and `wallSec.<part>`, rounded to 0.1 s.
   */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.parts) {
      out[`cpuSec.${p.part}`] = Math.round(p.cpuSec * 10) / 10;
      out[`wallSec.${p.part}`] = Math.round(p.wallSec * 10) / 10;
    }
    return out;
  }

  /** "streams 120.3 s wall / 210.5 s CPU, tuning streams …" */
  summary(): string {
    return this.parts.map((p) => `${p.part} ${p.wallSec.toFixed(1)} s wall / ${p.cpuSec.toFixed(1)} s CPU`).join(', ');
  }
}
