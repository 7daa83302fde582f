import { Buffer } from 'node:buffer';

/**
 * Batch bodies of one size in shared memory, reused once the sink is done
 * with them. A body is filled on the main thread, read by a worker that seals
 * it (CRC-32, gzip) and held until delivered. As an ArrayBuffer it counted as
 * the main thread's external memory twice (allocated, then back from the
 * worker), and that churn set off most of the main thread's full GCs; shared
 * memory is posted, not transferred, and not counted. So it is not left to GC
 * either: a body goes back to the pool by `release`, once, and only one this
 * pool lent.
 */
export class BodyPool {
  private readonly free: SharedArrayBuffer[] = [];
  private readonly lent = new WeakSet<ArrayBufferLike>();

  private lentCount = 0;
  private readonly maxBodies: number;

  /**
   * `budgetBytes` is the output budget the lent bodies count against: lent
   * and free bodies together stay within it (and two more), so the pool holds
   * no more memory than the budget allows. A body let go instead would wait
   * for a full GC, which shared memory does not bring about.
   */
  constructor(
    readonly size: number,
    budgetBytes: number,
  ) {
    this.maxBodies = Math.ceil(budgetBytes / size) + 2;
  }

  acquire(): Buffer {
    const memory = this.free.pop() ?? new SharedArrayBuffer(this.size);
    this.lent.add(memory);
    this.lentCount++;
    return Buffer.from(memory);
  }

  /**
   * `body` (or any view of the memory it came from) may be written again.
   * Only for a body nothing reads any more: its journal write done, its sink
   * attempts and any split halves finished. Ignored for other buffers.
   */
  release(body: Uint8Array): void {
    const memory = body.buffer;
    if (!(memory instanceof SharedArrayBuffer) || !this.lent.delete(memory)) return;
    this.lentCount--;
    if (this.lentCount + this.free.length < this.maxBodies) this.free.push(memory);
  }
}
