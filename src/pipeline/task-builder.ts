import { Buffer } from 'node:buffer';
import type { FrameTask, SourceName, SpentTask } from './task.ts';

/**
 * Packs frames from one source into a FrameTask. Each frame is copied once, from
 * the socket's chunk into a buffer the task owns, so the whole task reaches a
 * worker without another copy.
 *
 * The task's arrays live in SharedArrayBuffers: posting one shares it instead
 * of moving it, and V8 does not count shared memory as the receiving isolate's
 * external memory. Transferred ArrayBuffers do count, and on the main thread
 * that churn (every task out, every spent task back) was what started most of
 * its full GCs. Shared memory is reused explicitly (recycle, once the task's
 * result is in), never left to GC.
 */
export class TaskBuilder {
  private data: Buffer;
  private ends: Uint32Array;
  private flags: Uint8Array;
  private receivedAt: Float64Array;
  private peerIndex: Uint16Array;
  private peers: string[] = [];
  private peerIndexByAddress = new Map<string, number>();
  private lastPeer: string | undefined;
  private lastPeerIndex = 0;
  private count = 0;
  private length = 0;
  private readonly spare: SpentTask[] = [];
  private readonly shared: boolean;

  constructor(
    readonly source: SourceName,
    private readonly maxBytes: number,
    private readonly maxFrames: number,
    /**
     * Spent tasks kept for reuse: as many as the input budget can hold, so
     * every task's shared memory is reused rather than left for a full GC
     * (which shared memory does not bring about). 0 for a one-off task (HTTP
     * documents larger than a task): its arrays are plain, transferred and left
     * to GC, and the builder builds nothing after it.
     */
    private readonly maxSpare = 4,
  ) {
    this.shared = maxSpare > 0;
    this.data = Buffer.from(this.memory(maxBytes));
    this.ends = new Uint32Array(this.memory(maxFrames * 4));
    this.flags = new Uint8Array(this.memory(maxFrames));
    this.receivedAt = new Float64Array(this.memory(maxFrames * 8));
    this.peerIndex = new Uint16Array(this.memory(maxFrames * 2));
  }

  get frames(): number {
    return this.count;
  }

  get bytes(): number {
    return this.length;
  }

  /** True when a frame of `size` bytes fits; the caller takes the task first otherwise. */
  fits(size: number): boolean {
    return this.count < this.ends.length && this.length + size <= this.data.length && this.peers.length < 65535;
  }

  add(chunk: Uint8Array, start: number, end: number, peer: string, receivedAt: number, flags: number): void {
    const size = end - start;
    if (size > this.data.length - this.length) {
      // Only a frame bigger than a whole task gets here (taskBytes below maxMessageBytes):
      // give this task a buffer big enough rather than refuse the frame.
      const bigger = Buffer.from(this.memory(this.length + size));
      this.data.copy(bigger, 0, 0, this.length);
      this.data = bigger;
    }
    // A connection's frames come in runs with the same peer string: skip the map for them.
    let index = peer === this.lastPeer ? this.lastPeerIndex : this.peerIndexByAddress.get(peer);
    if (index === undefined) {
      index = this.peers.length;
      this.peers.push(peer);
      this.peerIndexByAddress.set(peer, index);
    }
    this.lastPeer = peer;
    this.lastPeerIndex = index;
    this.data.set(chunk.subarray(start, end), this.length);
    this.length += size;
    this.ends[this.count] = this.length;
    this.flags[this.count] = flags;
    this.receivedAt[this.count] = receivedAt;
    this.peerIndex[this.count] = index;
    this.count++;
  }

  private memory(bytes: number): ArrayBufferLike {
    // Not from Node's Buffer pool either way: a pooled ArrayBuffer cannot be transferred.
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /** Keeps a spent task's arrays for a later task (only same-sized ones: an oversized frame's buffer is let go). */
  recycle(spent: SpentTask): void {
    if (this.spare.length >= this.maxSpare || spent.data.byteLength !== this.maxBytes || spent.ends.length !== this.maxFrames) return;
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
    // A one-off builder is done: empty arrays (nothing fits) instead of a second task's worth of garbage.
    const bytes = this.shared ? this.maxBytes : 0;
    const frames = this.shared ? this.maxFrames : 0;
    const reuse = this.spare.pop();
    this.data = Buffer.from(reuse?.data ?? this.memory(bytes));
    this.ends = reuse?.ends ?? new Uint32Array(this.memory(frames * 4));
    this.flags = reuse?.flags ?? new Uint8Array(this.memory(frames));
    this.receivedAt = reuse?.receivedAt ?? new Float64Array(this.memory(frames * 8));
    this.peerIndex = reuse?.peerIndex ?? new Uint16Array(this.memory(frames * 2));
    this.peers = [];
    this.peerIndexByAddress = new Map();
    this.lastPeer = undefined;
    this.count = 0;
    this.length = 0;
    return task;
  }
}

/** What must move with a task: its arrays that are not shared (tasks built elsewhere, such as HTTP bodies). */
export function transferListOf(task: FrameTask): ArrayBuffer[] {
  return movable([task.data.buffer, task.ends.buffer, task.flags.buffer, task.receivedAt.buffer, task.peerIndex.buffer]);
}

/** The buffers of a list that can be transferred: shared ones are posted as they are. */
export function movable(buffers: ArrayBufferLike[]): ArrayBuffer[] {
  return buffers.filter((buffer): buffer is ArrayBuffer => !(buffer instanceof SharedArrayBuffer));
}
