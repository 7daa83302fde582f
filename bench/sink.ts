/**
 * The counting sink every contender posts to in the same run, in its own process (bench/sink-process.ts)
 * so that its work never stalls the sender: HTTPS with a self-signed certificate (asimd's Logs Ingestion
 * sink takes https:// endpoints only, so the peer gets the same URL and both pay TLS), gunzip when the
 * body is gzip, count rows, answer 204. The stream is taken from the Logs Ingestion path
 * (`/dataCollectionRules/{id}/streams/{stream}`). The first body of each stream after a reset is also
 * parsed as JSON, and must be an array with as many rows as counted.
 *
 * With latency on, the sink reads every `sendts=` stamp (bench/workload.ts) out of the rows and keeps
 * arrival − stamp in a 1 ms histogram.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, TS_LOADER } from './processes.ts';

export type SinkCommand =
  | { type: 'reset'; latency: boolean }
  | { type: 'expect'; id: number; streams: string[]; rows: number }
  | { type: 'snapshot'; id: number };

export interface SinkSnapshot {
  rows: Record<string, number>;
  requests: number;
  /** Request bodies as received (gzip or not), and after gunzip. */
  bytesIn: number;
  bytesDecoded: number;
  /** Bodies checked with JSON.parse, and those that were not an array of the counted length. */
  checked: number;
  malformed: string[];
  /** Wall-clock ms (performance.timeOrigin + now) of the first and the last request counted. */
  firstRowAt: number;
  lastRowAt: number;
  latency: { samples: number; p50: number; p99: number; max: number } | undefined;
}

export type SinkEvent =
  | { type: 'listening'; port: number; caFile: string }
  | { type: 'reached'; id: number; at: number; at10: number; at90: number }
  | { type: 'snapshot'; id: number; snapshot: SinkSnapshot };

export interface Reached {
  at: number;
  at10: number;
  at90: number;
}

export interface CountingSink {
  url: string;
  caFile: string;
  pid: number;
  reset(latency: boolean): void;
  /**
   * Resolves with the wall-clock ms at which the rows of these streams reached `rows` (and 10 % and 90 % of it,
   * for a steady-state rate without start-up and the last batch's wait), or undefined on timeout.
   */
  reached(streams: string[], rows: number, timeoutMs: number): Promise<Reached | undefined>;
  snapshot(): Promise<SinkSnapshot>;
  stop(): Promise<void>;
}

/** Starts the sink process; its certificate is generated in `dir`. */
export async function startCountingSink(dir: string): Promise<CountingSink> {
  const child: ChildProcess = fork(join(ROOT, 'bench/sink-process.ts'), [dir], { execArgv: TS_LOADER, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (event: SinkEvent) => void>();
  child.on('message', (event: SinkEvent) => {
    if (event.type === 'listening') return;
    waiting.get(event.id)?.(event);
    waiting.delete(event.id);
  });
  const listening = await new Promise<{ port: number; caFile: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`counting sink exited with ${String(code)}`)));
    child.on('message', (event: SinkEvent) => {
      if (event.type === 'listening') resolve(event);
    });
  });
  const send = (command: SinkCommand): void => {
    child.send(command);
  };
  const request = (command: SinkCommand & { id: number }, timeoutMs: number): Promise<SinkEvent | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(command.id);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(command.id, (event) => {
        clearTimeout(timer);
        resolve(event);
      });
      send(command);
    });
  return {
    url: `https://127.0.0.1:${listening.port}`,
    caFile: listening.caFile,
    pid: child.pid ?? 0,
    reset: (latency) => send({ type: 'reset', latency }),
    async reached(streams, rows, timeoutMs) {
      const event = await request({ type: 'expect', id: nextId++, streams, rows }, timeoutMs);
      return event?.type === 'reached' ? { at: event.at, at10: event.at10, at90: event.at90 } : undefined;
    },
    async snapshot() {
      const event = await request({ type: 'snapshot', id: nextId++ }, 10_000);
      if (event?.type !== 'snapshot') throw new Error('counting sink did not answer');
      return event.snapshot;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Rows counted over some streams. */
export function rowsOf(snapshot: SinkSnapshot, streams: readonly string[]): number {
  return streams.reduce((sum, stream) => sum + (snapshot.rows[stream] ?? 0), 0);
}
