import { FixedQueue, Piscina, type PiscinaTask, type TaskQueue } from 'piscina';

/** Queue options a task carries (under Piscina.queueOptionsSymbol) to go ahead of the others. */
export const URGENT = { urgent: true } as const;

/**
 * piscina's FIFO with a lane in front: tasks marked URGENT (sealing a batch
 * that is already cut) run before queued frame tasks. Sealing is the last
 * step before a batch is journaled and sent, a few milliseconds of gzip;
 * behind the frame tasks it waited for all of them (about 150 ms at start,
 * when workers run cold code), holding its body and delaying the first rows.
 */
export class UrgentFirstQueue implements TaskQueue {
  private readonly urgent: PiscinaTask[] = [];
  private readonly normal = new FixedQueue();

  get size(): number {
    return this.urgent.length + this.normal.size;
  }

  push(task: PiscinaTask): void {
    const options = task[Piscina.queueOptionsSymbol as keyof PiscinaTask] as { urgent?: boolean } | null | undefined;
    if (options?.urgent === true) this.urgent.push(task);
    else this.normal.push(task);
  }

  shift(): PiscinaTask | null {
    return this.urgent.shift() ?? (this.normal.shift() as PiscinaTask | null);
  }

  remove(task: PiscinaTask): void {
    const index = this.urgent.indexOf(task);
    if (index !== -1) this.urgent.splice(index, 1);
    else this.normal.remove(task);
  }
}
