/**
 * A fixed set of helper processes (render servers, Festival workers) of which each request
 * takes an idle one: the first idle in creation order, or, when all are busy, the first one
 * freed (waiters in FIFO order). Members start their processes on demand; `close` kills them
 * all, and the next request starts its member's process again.
 */
export interface PoolMember {
  readonly pid: number | undefined;
  kill(): void;
}

export class ChildPool<W extends PoolMember> {
  private readonly members: W[];
  private readonly busy: boolean[];
  private readonly waiting: Array<(i: number) => void> = [];

  constructor(size: number, make: (i: number) => W) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ChildPool: size must be ≥ 1, got ${size}`);
    this.members = Array.from({ length: size }, (_, i) => make(i));
    this.busy = this.members.map(() => false);
  }

  /** Run `task` on an idle member (waiting for one if all are busy). */
  async use<T>(task: (member: W) => Promise<T>): Promise<T> {
    let i = this.busy.indexOf(false);
    if (i < 0) i = await new Promise<number>((resolve) => this.waiting.push(resolve));
    else this.busy[i] = true;
    try {
      return await task(this.members[i]!);
    } finally {
      // Hand the member straight to the next waiter (it stays busy), so no newcomer slips in.
      const next = this.waiting.shift();
      if (next) next(i);
      else this.busy[i] = false;
    }
  }

  /** Process ids of the members' running processes (tests). */
  pids(): number[] {
    return this.members.flatMap((m) => (m.pid === undefined ? [] : [m.pid]));
  }

  close(): void {
    for (const m of this.members) m.kill();
  }
}
