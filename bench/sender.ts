/**
 * The bench's TCP sender: the workload's bytes over one or more connections, either as fast as the
 * receiver takes them, or at a fixed rate with the send time stamped into each line. A write that the
 * socket does not take at once waits for 'drain': when the receiver stops reading, the sender is paused
 * (the time all connections waited is reported).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { STAMP_DIGITS, type Workload } from './workload.ts';

/** Wall-clock ms with sub-ms precision, comparable across the bench's processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

export interface SendResult {
  /** Wall clock of the first byte written, and after the last. */
  startedAt: number;
  finishedAt: number;
  messages: number;
  bytes: number;
  /** Time every connection was waiting for the receiver to read. */
  pausedMs: number;
}

async function connectAll(port: number, connections: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
}

async function endAll(sockets: Socket[]): Promise<void> {
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.end(resolve))));
}

/** Sends the workload's first `lines` lines once, in contiguous parts over `connections`, as fast as they are taken. */
export async function sendAll(port: number, workload: Workload, connections: number, lines = workload.count): Promise<SendResult> {
  const sockets = await connectAll(port, connections);
  const chunk = 256 * 1024;
  const startedAt = wallClock();
  await Promise.all(
    sockets.map(async (socket, k) => {
      const from = k === 0 ? 0 : (workload.ends[Math.floor((lines * k) / connections) - 1] ?? 0);
      const to = workload.ends[Math.floor((lines * (k + 1)) / connections) - 1] ?? 0;
      for (let offset = from; offset < to; offset += chunk) {
        if (!socket.write(workload.data.subarray(offset, Math.min(to, offset + chunk)))) await new Promise((resolve) => socket.once('drain', resolve));
      }
    }),
  );
  await endAll(sockets);
  return { startedAt, finishedAt: wallClock(), messages: lines, bytes: workload.ends[lines - 1] ?? 0, pausedMs: 0 };
}

export interface RateOptions {
  /** Messages per second offered. */
  rate: number;
  seconds: number;
  connections: number;
}

/**
 * Sends at `rate` for `seconds`, cycling through the workload, in 10 ms ticks. Each tick's lines are
 * copied, stamped with the time of the write (ms since the epoch, in place of the 13 zeros after
 * `sendts=`) and spread over the connections that are not waiting for 'drain'. A sender that was paused
 * catches up by at most 100 ms worth of lines; the rest is never sent (`messages` counts what was).
 */
export async function sendAtRate(port: number, workload: Workload, options: RateOptions): Promise<SendResult & { offered: number }> {
  const sockets = await connectAll(port, options.connections);
  const waiting = sockets.map(() => false);
  let allWaitingSince: number | undefined;
  let pausedMs = 0;
  const markWaiting = (k: number, value: boolean): void => {
    waiting[k] = value;
    const all = waiting.every(Boolean);
    if (all && allWaitingSince === undefined) allWaitingSince = wallClock();
    if (!all && allWaitingSince !== undefined) {
      pausedMs += wallClock() - allWaitingSince;
      allWaitingSince = undefined;
    }
  };
  sockets.forEach((socket, k) => socket.on('drain', () => markWaiting(k, false)));

  const { data, ends, stamped, count } = workload;
  const startOf = (line: number): number => (line === 0 ? 0 : (ends[line - 1] ?? 0));
  const startedAt = wallClock();
  const deadline = startedAt + options.seconds * 1000;
  let sent = 0;
  /** Lines a paused sender gave up on (more than 100 ms behind the schedule). */
  let skipped = 0;
  const catchUp = Math.ceil(options.rate / 10);
  let bytes = 0;
  let next = 0;
  for (let now = startedAt; now < deadline; now = wallClock()) {
    const scheduled = Math.floor(((now - startedAt) / 1000) * options.rate);
    if (scheduled - sent - skipped > catchUp) skipped = scheduled - sent - catchUp;
    const open = sockets.map((_, k) => k).filter((k) => !waiting[k]);
    let lines = scheduled - sent - skipped;
    if (lines > 0 && open.length > 0) {
      // The tick's lines, copied (the workload is reused, and a socket may still hold earlier bytes).
      lines = Math.min(lines, count);
      const first = next;
      const parts: Buffer[] = [];
      let remaining = lines;
      while (remaining > 0) {
        const take = Math.min(remaining, count - next);
        parts.push(data.subarray(startOf(next), ends[next + take - 1] ?? 0));
        next = (next + take) % count;
        remaining -= take;
      }
      const buffer = Buffer.concat(parts);
      const stamp = String(Math.round(wallClock())).padStart(STAMP_DIGITS, '0');
      const lineEnds: number[] = [];
      let end = 0;
      for (let i = 0, line = first; i < lines; i++, line = (line + 1) % count) {
        end += (ends[line] ?? 0) - startOf(line);
        lineEnds.push(end);
        if (stamped[line] === 1) buffer.write(stamp, end - 1 - STAMP_DIGITS, 'latin1');
      }
      // Split by lines over the open connections.
      let from = 0;
      open.forEach((k, j) => {
        const last = Math.floor((lines * (j + 1)) / open.length) - 1;
        const to = last >= 0 ? (lineEnds[last] ?? from) : from;
        if (to > from && !(sockets[k] as Socket).write(buffer.subarray(from, to))) markWaiting(k, true);
        from = Math.max(from, to);
      });
      sent += lines;
      bytes += buffer.length;
    }
    await sleep(10);
  }
  if (allWaitingSince !== undefined) pausedMs += wallClock() - allWaitingSince;
  await endAll(sockets);
  return { startedAt, finishedAt: wallClock(), messages: sent, bytes, pausedMs, offered: Math.round(options.rate * options.seconds) };
}
