import { performance } from 'node:perf_hooks';

type GcFunction = (options: { type: 'major' | 'minor'; execution: 'sync' | 'async' }) => unknown;

/** Dead ArrayBuffer memory a thread may gather before it asks for a collection: the main thread's heap is larger, so its collections cost more. */
export const MAIN_THREAD_KEEPER_BYTES = 16 * 1024 * 1024;
export const WORKER_KEEPER_BYTES = 8 * 1024 * 1024;

/** Checks at most this often: process.memoryUsage() costs tens of microseconds. */
const CHECK_EVERY_MS = 200;

/**
 * Caps the dead ArrayBuffer memory a thread keeps. V8 collects an isolate's
 * ArrayBuffers in a full GC, and starts one for them only when external memory
 * has grown 64 MiB since the last. Batch bodies, tasks and rows travel in
 * shared memory that asimd reuses itself, so little else starts full GCs
 * now, and what remains (socket reads, gzip results) would pile up to those
 * 64 MiB per thread between them: RSS the agent does not need. With
 * --expose-gc (src/cli/launch.ts) this asks for a concurrent major GC once
 * external memory is `thresholdBytes` above its low point since the last one;
 * without it (under tap, say) it does nothing. In `npm run bench` on Node 24
 * (16 MiB main, 8 MiB workers) peak RSS fell from 275–285 to 255–262 MiB at
 * the same CPU per message.
 */
export class MemoryKeeper {
  private readonly gc: GcFunction | undefined;
  private floor = Number.POSITIVE_INFINITY;
  private checkedAt = 0;
  /** Major GCs asked for, for the logs at shutdown. */
  collections = 0;

  constructor(private readonly thresholdBytes: number) {
    const gc: unknown = (globalThis as { gc?: unknown }).gc;
    this.gc = typeof gc === 'function' ? (gc as GcFunction) : undefined;
  }

  get active(): boolean {
    return this.gc !== undefined;
  }

  check(): void {
    if (!this.gc) return;
    const now = performance.now();
    if (now - this.checkedAt < CHECK_EVERY_MS) return;
    this.checkedAt = now;
    const external = process.memoryUsage().external;
    if (external < this.floor) this.floor = external;
    if (external - this.floor < this.thresholdBytes) return;
    this.collections++;
    // The next checks find the new low point once the collection is done.
    this.floor = Number.POSITIVE_INFINITY;
    this.gc({ type: 'major', execution: 'async' });
  }
}
