import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SegmentJournal } from '../../src/pipeline/journal/index.ts';
import type { FsyncPolicy, JournalOptions } from '../../src/pipeline/journal/index.ts';
import type { Batch } from '../../src/sinks/types.ts';

const SELF = fileURLToPath(import.meta.url);
const LOADER = fileURLToPath(new URL('../../scripts/ts-loader.mjs', import.meta.url));
const KiB = 1024;

/** Batch number `n`: its body says which it is, so a replay can be checked byte for byte. */
function batchOf(n: number, bytes = 16 * KiB): Batch {
  const body = Buffer.alloc(bytes, `${n},`);
  return { stream: 'Custom-Syslog', body, rows: 1, framing: 'ndjson', ends: Uint32Array.of(bytes), createdAt: n };
}

const options = (directory: string, fsync: FsyncPolicy, extra: Partial<JournalOptions> = {}): JournalOptions => ({
  directory,
  maxBytes: 256 * 1024 * KiB,
  segmentBytes: 256 * KiB,
  fsync,
  fsyncIntervalMs: 100,
  whenFull: 'block',
  ...extra,
});
const noLoss = { onLoss: () => {} };

/** The child: appends (and acks every third) until killed, printing each append once it has resolved. */
async function child(directory: string, fsync: FsyncPolicy): Promise<void> {
  const { journal } = await SegmentJournal.open(options(directory, fsync), noLoss);
  for (let n = 0; ; n++) {
    const result = await journal.append(batchOf(n));
    if (!result.ok) throw new Error(result.reason);
    process.stdout.write(`${n}\n`);
    if (n % 3 === 0) {
      await journal.ack(result.id);
      process.stdout.write(`ack ${n}\n`);
    }
  }
}

const childArgs = process.env.ASIMD_JOURNAL_CRASH_CHILD?.split(',');
if (childArgs) {
  await child(childArgs[0] ?? '', (childArgs[1] ?? 'batch') as FsyncPolicy);
} else {
  void t.test('SIGKILL while appending: every append that resolved is recovered, in order', async (t) => {
    for (const fsync of ['batch', 'interval', 'never'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'asimd-journal-crash-'));
      const proc = spawn(process.execPath, ['--import', LOADER, SELF], {
        env: { ...process.env, ASIMD_JOURNAL_CRASH_CHILD: `${dir},${fsync}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const resolved: number[] = [];
      const acked = new Set<number>();
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
      for await (const line of createInterface({ input: proc.stdout })) {
        if (line.startsWith('ack ')) acked.add(Number(line.slice(4)));
        else resolved.push(Number(line));
        if (resolved.length === 400) proc.kill('SIGKILL');
      }
      t.equal(await exited, 'SIGKILL', `${fsync}: child killed`);
      t.ok(resolved.length >= 400, `${fsync}: ${resolved.length} appends resolved before the kill`);
      const { journal, recovered, dropped } = await SegmentJournal.open(options(dir, fsync), noLoss);
      const got = recovered.map((r) => r.createdAt);
      const gotSet = new Set(got);
      // The child acks every third batch after printing it; an ack can reach the disk before the child
      // prints "ack n" and is killed, so the last such batch may be gone without the parent knowing.
      const ackInFlight = Math.max(-1, ...resolved.filter((n) => n % 3 === 0 && !acked.has(n)));
      const missing = resolved.filter((n) => !acked.has(n) && n !== ackInFlight && !gotSet.has(n));
      t.same(missing, [], `${fsync}: no resolved, unacknowledged batch is missing`);
      t.same(got, [...got].sort((a, b) => a - b), `${fsync}: in order`);
      const bodies = await Promise.all(recovered.map((r) => journal.read(r.id)));
      t.ok(bodies.every((body, i) => body?.body.equals(batchOf(recovered[i]?.createdAt ?? -1).body)), `${fsync}: bodies intact`);
      // A kill mid-write may leave one torn record: the one append that had not resolved.
      t.ok(dropped.batches <= 1, `${fsync}: at most the in-flight append is torn (${dropped.batches})`);
      await journal.close();
    }
  });

  const mountPoint = mkdtempSync(join(tmpdir(), 'asimd-journal-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
  const skip = mounted.status === 0 ? false : `cannot mount a tmpfs here (${mounted.stderr.toString().trim() || 'not permitted'}); the injected-error tests cover ENOSPC`;
  t.teardown(() => {
    if (mounted.status === 0) spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  void t.test('a real full disk (1 MiB tmpfs): disk_error or drop, never a crash', { skip }, async (t) => {
    for (const whenFull of ['block', 'drop_oldest'] as const) {
      const dir = join(mountPoint, whenFull);
      mkdirSync(dir);
      const losses: string[] = [];
      // maxBytes far above the disk: the OS says ENOSPC before the journal says full.
      const { journal } = await SegmentJournal.open(options(dir, 'batch', { maxBytes: 64 * 1024 * KiB, segmentBytes: 128 * KiB, whenFull }), {
        onLoss: (reason) => losses.push(reason),
      });
      const results: string[] = [];
      for (let n = 0; n < 120; n++) {
        const result = await journal.append(batchOf(n, 32 * KiB));
        results.push(result.ok ? 'ok' : `${result.reason}:${result.error ?? ''}`);
      }
      if (whenFull === 'block') {
        const firstError = results.findIndex((r) => r !== 'ok');
        t.ok(firstError > 10, `block: ${firstError} appends fit before the disk filled`);
        t.match(results[firstError] ?? '', /^disk_error:ENOSPC/, 'block: ENOSPC becomes disk_error');
        t.ok(journal.full, 'block: full, so sources pause');
      } else {
        t.ok(results.every((r) => r === 'ok'), `drop_oldest: every append succeeds (${results.find((r) => r !== 'ok') ?? ''})`);
        t.ok(losses.length > 0 && losses.every((reason) => reason === 'drop_oldest'), 'drop_oldest: the oldest were dropped, and counted');
      }
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
