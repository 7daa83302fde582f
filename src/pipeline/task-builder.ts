import { Buffer } from 'node:buffer';
import type { FrameTask, SourceName, SpentTask } from './task.ts';

/** Spent task arrays kept for reuse; enough for the tasks in flight, so a burst cannot pin more. */
const MAX_SPARE = 4;

/**
 * Packs frames from one source into a FrameTask. Each frame is copied once, from
 * the socket's chunk into a buffer the task owns, so the whole task can be
 * transferred to a worker without another copy.
 */
export class TaskBuilder {
  private data: Buffer;
  private ends: Uint32Array;
  private flags: Uint8Array;
  private receivedAt: Float64Array;
  private peerIndex: Uint16Array;
  private peers: string[] = [];
  private peerIndexByAddress = new Map<string, number>();
  private count = 0;
  private length = 0;
  private readonly spare: SpentTask[] = [];

  constructor(
    readonly source: SourceName,
    private readonly maxBytes: number,
    private readonly maxFrames: number,
  ) {
    this.data = Buffer.allocUnsafeSlow(maxBytes);
    this.ends = new Uint32Array(maxFrames);
    this.flags = new Uint8Array(maxFrames);
    this.receivedAt = new Float64Array(maxFrames);
    this.peerIndex = new Uint16Array(maxFrames);
  }

  get frames(): number {
    return this.count;
  }

  get bytes(): number {
    return this.length;
  }

  /** True when a frame of `size` bytes fits; the caller takes the task first otherwise. */
  fits(size: number): boolean {
    return this.count < this.maxFrames && this.length + size <= this.data.length && this.peers.length < 65535;
  }

  add(chunk: Uint8Array, start: number, end: number, peer: string, receivedAt: number, flags: number): void {
    const size = end - start;
    if (size > this.data.length - this.length) {
      // Only a frame bigger than a whole task gets here (taskBytes below maxMessageBytes):
      // give this task a buffer big enough rather than refuse the frame.
      const bigger = Buffer.allocUnsafeSlow(this.length + size);
      this.data.copy(bigger, 0, 0, this.length);
      this.data = bigger;
    }
    let index = this.peerIndexByAddress.get(peer);
    if (index === undefined) {
      index = this.peers.length;
      this.peers.push(peer);
      this.peerIndexByAddress.set(peer, index);
    }
    this.data.set(chunk.subarray(start, end), this.length);
    this.length += size;
    this.ends[this.count] = this.length;
    this.flags[this.count] = flags;
    this.receivedAt[this.count] = receivedAt;
    this.peerIndex[this.count] = index;
    this.count++;
  }

  /** Keeps a spent task's arrays for a later task (only same-sized ones: an oversized frame's buffer is let go). */
  recycle(spent: SpentTask): void {
    if (this.spare.length >= MAX_SPARE || spent.data.byteLength !== this.maxBytes || spent.ends.length !== this.maxFrames) return;
    this.spare.push(spent);
  }

  /** Hands over what was built and starts a fresh task. */
  take(): FrameTask | undefined {
    if (this.count === 0) return undefined;
    const task: FrameTask = {
      source: this.source,
      data: new Uint8Array(this.data.buffer, this.data.byteOffset, this.length),
      ends: this.ends,
      flags: this.flags,
      receivedAt: this.receivedAt,
      peerIndex: this.peerIndex,
      peers: this.peers,
      count: this.count,
    };
    const reuse = this.spare.pop();
    this.data = reuse ? Buffer.from(reuse.data) : Buffer.allocUnsafeSlow(this.maxBytes);
    this.ends = reuse?.ends ?? new Uint32Array(this.maxFrames);
    this.flags = reuse?.flags ?? new Uint8Array(this.maxFrames);
    this.receivedAt = reuse?.receivedAt ?? new Float64Array(this.maxFrames);
    this.peerIndex = reuse?.peerIndex ?? new Uint16Array(this.maxFrames);
    this.peers = [];
    this.peerIndexByAddress = new Map();
    this.count = 0;
    this.length = 0;
    return task;
  }
}

export function transferListOf(task: FrameTask): ArrayBuffer[] {
  return [task.data.buffer, task.ends.buffer, task.flags.buffer, task.receivedAt.buffer, task.peerIndex.buffer] as ArrayBuffer[];
}
