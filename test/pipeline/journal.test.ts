import t from 'tap';
import type { Test } from 'tap';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeBatch, segmentName } from '../../src/pipeline/journal/format.ts';
import { SegmentJournal } from '../../src/pipeline/journal/index.ts';
import type { JournalOptions } from '../../src/pipeline/journal/index.ts';
import type { JournalIo, SegmentFile } from '../../src/pipeline/journal/segment-journal.ts';
import type { Batch } from '../../src/sinks/types.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'asimd-journal-'));
const KiB = 1024;

/** A deterministic batch: `rows` NDJSON rows of `rowBytes` bytes each, named by `n`. */
function batchOf(n: number, rows = 3, rowBytes = 40, framing: Batch['framing'] = 'ndjson', stream = 'Custom-Syslog'): Batch {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(JSON.stringify({ n, r }).padEnd(rowBytes - 1, ' '));
  const ends = new Uint32Array(rows);
  let at = 0;
  for (let r = 0; r < rows; r++) ends[r] = at += rowBytes;
  return { stream, body: Buffer.from(lines.map((line) => `${line}\n`).join('')), rows, framing, ends, createdAt: 1_700_000_000_000 + n + 0.5 };
}

interface Loss {
  reason: string;
  batches: number;
  bytes: number;
}

async function openJournal(directory: string, options: Partial<JournalOptions> = {}) {
  const losses: Loss[] = [];
  const logs: string[] = [];
  const logger = {
    warn: (_obj: unknown, msg?: string) => logs.push(msg ?? ''),
    error: (_obj: unknown, msg?: string) => logs.push(msg ?? ''),
  };
  const opened = await SegmentJournal.open(
    { directory, maxBytes: 64 * 1024 * KiB, segmentBytes: 16 * 1024 * KiB, fsync: 'batch', fsyncIntervalMs: 50, whenFull: 'block', ...options },
    { onLoss: (reason, batches, bytes) => losses.push({ reason, batches, bytes }), logger },
  );
  return { ...opened, losses, logs };
}

async function appendOk(journal: SegmentJournal, batch: Batch): Promise<number> {
  const result = await journal.append(batch);
  if (!result.ok) throw new Error(`append failed: ${result.reason} ${result.error ?? ''}`);
  return result.id;
}

const segments = (directory: string): string[] => readdirSync(directory).filter((name) => name.endsWith('.seg')).sort();

function sameBatch(t: Test, actual: Batch | undefined, expected: Batch, what: string): void {
  t.ok(actual, `${what}: present`);
  if (!actual) return;
  t.equal(actual.stream, expected.stream, `${what}: stream`);
  t.equal(actual.framing, expected.framing, `${what}: framing`);
  t.equal(actual.rows, expected.rows, `${what}: rows`);
  t.equal(actual.createdAt, expected.createdAt, `${what}: createdAt`);
  t.ok(actual.body.equals(expected.body), `${what}: body bytes`);
  t.same([...actual.ends], [...expected.ends], `${what}: ends`);
}

void t.test('reopen replays exactly the unacknowledged batches, in order, byte for byte', async (t) => {
  const shapes: Array<[string, Batch]> = [
    ['ndjson', batchOf(1)],
    ['json-array', { ...batchOf(2, 2), framing: 'json-array', body: Buffer.from('[{"a":1},{"b":2}]'), ends: Uint32Array.of(9, 17) }],
    ['non-ASCII stream name', batchOf(3, 1, 10, 'ndjson', 'Custom-Événements')],
    ['empty body, no rows', { ...batchOf(4, 0), body: Buffer.alloc(0), ends: new Uint32Array(0) }],
    ['ends not a multiple of 4 bytes into the record', batchOf(5, 7, 13)],
    ['large body', batchOf(6, 2000, 500)],
  ];
  for (const fsync of ['batch', 'interval', 'never'] as const) {
    const dir = tmp();
    const { journal, recovered } = await openJournal(dir, { fsync });
    t.equal(recovered.length, 0, `${fsync}: empty directory recovers nothing`);
    const ids: number[] = [];
    for (const [, batch] of shapes) ids.push(await appendOk(journal, batch));
    t.same(ids, [...ids].sort((a, b) => a - b), `${fsync}: ids increase`);
    await journal.ack(ids[1] ?? -1);
    await journal.ack(ids[4] ?? -1);
    await journal.close();
    const reopened = await openJournal(dir, { fsync });
    const expected = shapes.filter((_, i) => i !== 1 && i !== 4);
    t.same(reopened.recovered.map((r) => r.id), ids.filter((_, i) => i !== 1 && i !== 4), `${fsync}: unacked ids in order`);
    for (const [i, [name, batch]] of expected.entries()) {
      const ref = reopened.recovered[i];
      t.match(ref, { stream: batch.stream, rows: batch.rows, createdAt: batch.createdAt, bodyBytes: batch.body.length }, `${fsync} ${name}: described at open`);
      sameBatch(t, ref && (await reopened.journal.read(ref.id)), batch, `${fsync} ${name}`);
    }
    t.same(reopened.losses, [], `${fsync}: nothing lost`);
    // New ids never reuse old ones, so a late ACK cannot hit a new batch.
    const next = await appendOk(reopened.journal, batchOf(99));
    t.ok(next > Math.max(...ids), `${fsync}: ids continue after reopen`);
    await reopened.journal.close();
  }
});

void t.test('a journal closed without acks keeps everything; acked after reopen, nothing comes back', async (t) => {
  const dir = tmp();
  const first = await openJournal(dir);
  for (let i = 0; i < 5; i++) await appendOk(first.journal, batchOf(i));
  await first.journal.close();
  const second = await openJournal(dir);
  t.equal(second.recovered.length, 5);
  t.ok(second.journal.bytes > 0, 'recovered batches are held');
  for (const { id } of second.recovered) await second.journal.ack(id);
  t.equal(second.journal.bytes, 0, 'all acknowledged');
  await second.journal.close();
  t.equal(segments(dir).length, 1, 'recovered segments deleted once acknowledged; only the active one is left');
  const third = await openJournal(dir);
  t.equal(third.recovered.length, 0);
  await third.journal.close();
});

void t.test('segments roll at segmentBytes and are deleted once all their batches are acknowledged', async (t) => {
  const dir = tmp();
  const { journal } = await openJournal(dir, { segmentBytes: 64 * KiB, maxBytes: 16 * 1024 * KiB });
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) ids.push(await appendOk(journal, batchOf(i, 10, 1000))); // ~10 KB each
  const rolled = segments(dir);
  t.ok(rolled.length >= 6, `rolled into ${rolled.length} segments`);
  for (const name of rolled) t.ok(statSync(join(dir, name)).size <= 64 * KiB, `${name} within segmentBytes`);
  t.equal(journal.diskBytes, rolled.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0), 'diskBytes matches the files');
  // Ack all but one batch of the first segment: it stays; the others go.
  for (const id of ids.slice(1)) await journal.ack(id);
  t.same(segments(dir), [rolled[0], rolled[rolled.length - 1]], 'only the pinned first segment and the active one remain');
  await journal.ack(ids[0] ?? -1);
  t.same(segments(dir), [rolled[rolled.length - 1]], 'first segment deleted after its last ack');
  t.equal(journal.bytes, 0);
  await journal.close();
});

void t.test('ACK records survive the deletion of the segment that held them', async (t) => {
  // Batch 0 pins segment 1; batch 1 (in segment 1) is acked while segment 2 is
  // active, so its ACK lives in segment 2. Deleting segment 2 must not bring batch 1 back.
  const dir = tmp();
  const { journal } = await openJournal(dir, { segmentBytes: 64 * KiB });
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) ids.push(await appendOk(journal, batchOf(i, 10, 1000)));
  const firstSegmentIds = ids.slice(0, 6);
  for (let i = 8; i < 30; i++) ids.push(await appendOk(journal, batchOf(i, 10, 1000)));
  for (const id of firstSegmentIds.slice(1)) await journal.ack(id);
  for (const id of ids.slice(8)) await journal.ack(id);
  t.equal(journal.size, 3, 'batches 0, 6, 7 unacknowledged');
  await journal.close();
  const reopened = await openJournal(dir);
  t.same(reopened.recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000), [0, 6, 7]);
  await reopened.journal.close();
});

/** A directory with two segments; the last holds a few small records. */
async function fixtureWithSmallLastRecord(): Promise<{ dir: string; last: string; lastRecordStart: number; sizes: number[] }> {
  const dir = tmp();
  const { journal } = await openJournal(dir, { segmentBytes: 64 * KiB });
  for (let i = 0; i < 7; i++) await appendOk(journal, batchOf(i, 10, 1000));
  const sizes: number[] = [];
  const last = segments(dir).at(-1) ?? '';
  for (let i = 7; i < 10; i++) {
    await appendOk(journal, batchOf(i, 2, 20));
    sizes.push(statSync(join(dir, last)).size);
  }
  await journal.close();
  return { dir, last, lastRecordStart: sizes[1] ?? 0, sizes };
}

void t.test('a torn tail, cut at every byte of the last record, keeps every complete record before it', async (t) => {
  const { dir, last, lastRecordStart, sizes } = await fixtureWithSmallLastRecord();
  t.equal(segments(dir).length, 2, 'fixture has two segments');
  const end = sizes[2] ?? 0;
  t.ok(end - lastRecordStart > 50, 'the last record is tens of bytes');
  for (let cut = lastRecordStart + 1; cut < end; cut++) {
    const copy = tmp();
    cpSync(dir, copy, { recursive: true });
    truncateSync(join(copy, last), cut);
    const { journal, recovered, dropped, losses, logs } = await openJournal(copy);
    const names = recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000);
    if (names.length !== 9 || losses.length !== 1 || losses[0]?.reason !== 'torn_tail' || statSync(join(copy, last)).size !== lastRecordStart) {
      t.fail(`cut at ${cut}: recovered ${JSON.stringify(names)}, losses ${JSON.stringify(losses)}, size ${statSync(join(copy, last)).size}`);
    }
    // The torn record counts as a batch once its 9-byte header is there.
    const expectedBatches = cut - lastRecordStart >= 9 ? 1 : 0;
    if (dropped.bytes !== cut - lastRecordStart || dropped.batches !== expectedBatches || !logs.some((line) => line.includes('torn or corrupt'))) {
      t.fail(`cut at ${cut}: dropped ${JSON.stringify(dropped)}, logs ${JSON.stringify(logs)}`);
    }
    await journal.close();
  }
  // The same check in one place, so a silent loop still counts as an assertion.
  const copy = tmp();
  cpSync(dir, copy, { recursive: true });
  truncateSync(join(copy, last), end - 1);
  const { journal, recovered, dropped } = await openJournal(copy);
  t.same(recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.same(dropped, { batches: 1, bytes: end - 1 - lastRecordStart, reasons: ['torn_tail'] });
  await journal.close();
});

void t.test('a corrupt record in a middle segment loses it and the rest of that segment only', async (t) => {
  const dir = tmp();
  const { journal } = await openJournal(dir, { segmentBytes: 64 * KiB });
  for (let i = 0; i < 18; i++) await appendOk(journal, batchOf(i, 10, 1000));
  await journal.close();
  const names = segments(dir);
  t.ok(names.length >= 3, 'three or more segments');
  const middle = names[1] ?? '';
  const recordSize = 9 + 31 + 'Custom-Syslog'.length + 40 + 10_000;
  // Flip a byte in the second record of the middle segment: in its length, checksum, type, payload and body.
  const places: Array<[string, number]> = [
    ['length field', 0],
    ['checksum', 5],
    ['type', 8],
    ['id in payload', 10],
    ['body', 5000],
  ];
  for (const [where, at] of places) {
    const copy = tmpCopy(dir);
    const path = join(copy, middle);
    const data = readFileSync(path);
    const offset = 8 + recordSize + at;
    data[offset] = (data[offset] ?? 0) ^ 0x5a;
    writeFileSync(path, data);
    const { journal: reopened, recovered, dropped, losses } = await openJournal(copy);
    const got = recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000);
    // Segment 1 holds 0–5, segment 2 holds 6–11; 7–11 are lost.
    t.same(got, [0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 16, 17], `${where}: later segments recovered`);
    t.equal(losses[0]?.reason, 'corrupt', `${where}: reason`);
    t.equal(dropped.bytes, 5 * recordSize, `${where}: bytes lost`);
    // A broken length field hides what followed it: only the bad record itself is counted then.
    t.equal(dropped.batches, at === 0 ? 1 : 5, `${where}: batches lost`);
    t.equal(statSync(path).size, 8 + recordSize, `${where}: segment truncated after the last good record`);
    for (const [i, ref] of recovered.entries()) {
      const n = got[i] ?? -1;
      const batch = await reopened.read(ref.id);
      if (!batch?.body.equals(batchOf(n, 10, 1000).body)) t.fail(`${where}: batch ${n} body differs`);
    }
    await reopened.close();
  }
});

function tmpCopy(dir: string): string {
  const copy = tmp();
  cpSync(dir, copy, { recursive: true });
  return copy;
}

void t.test('block: append says full at maxBytes, and drain comes once acks free a segment', async (t) => {
  const dir = tmp();
  const { journal } = await openJournal(dir, { maxBytes: 512 * KiB, segmentBytes: 128 * KiB, whenFull: 'block' });
  const ids: number[] = [];
  let result;
  for (;;) {
    result = await journal.append(batchOf(ids.length, 10, 1000));
    if (!result.ok) break;
    ids.push(result.id);
  }
  t.equal(result.reason, 'full');
  t.ok(journal.full, 'full is true');
  t.ok(journal.diskBytes <= 512 * KiB, `disk use ${journal.diskBytes} within maxBytes`);
  t.ok(ids.length >= 40, `${ids.length} batches fit`);
  let drained = 0;
  journal.on('drain', () => drained++);
  await journal.ack(ids[0] ?? -1);
  t.equal(drained, 0, 'one ack in a segment frees nothing');
  for (const id of ids.slice(1, 14)) await journal.ack(id);
  t.equal(drained, 1, 'drain once the first segment is deleted');
  t.notOk(journal.full, 'no longer full');
  t.ok((await journal.append(batchOf(999, 10, 1000))).ok, 'append succeeds again');
  await journal.close();
  const reopened = await openJournal(dir);
  t.equal(reopened.recovered.length, ids.length - 14 + 1, 'nothing dropped under block');
  await reopened.journal.close();
});

void t.test('drop_oldest: appends past maxBytes drop the oldest batches and report them', async (t) => {
  const dir = tmp();
  const { journal, losses } = await openJournal(dir, { maxBytes: 512 * KiB, segmentBytes: 128 * KiB, whenFull: 'drop_oldest' });
  const total = 120;
  for (let i = 0; i < total; i++) await appendOk(journal, batchOf(i, 10, 1000));
  t.ok(journal.diskBytes <= 512 * KiB, `disk use ${journal.diskBytes} within maxBytes`);
  t.notOk(journal.full, 'never full under drop_oldest');
  const lost = losses.reduce((sum, loss) => sum + loss.batches, 0);
  t.ok(losses.length > 0 && losses.every((loss) => loss.reason === 'drop_oldest'), 'reported as drop_oldest');
  t.equal(journal.size, total - lost, 'dropped + held = appended');
  await journal.close();
  const reopened = await openJournal(dir);
  const got = reopened.recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000);
  t.same(got, Array.from({ length: total - lost }, (_, i) => lost + i), 'the newest survive, in order; the oldest are gone');
  await reopened.journal.close();
});

void t.test('too_large: a batch bigger than maxBytes is refused, not blocked on forever', async (t) => {
  const { journal } = await openJournal(tmp(), { maxBytes: 64 * KiB, segmentBytes: 16 * KiB });
  const result = await journal.append(batchOf(1, 100, 1000));
  t.same(result.ok ? 'ok' : result.reason, 'too_large');
  await journal.close();
});

/** A JournalIo over real files whose writes or syncs fail with `code` once `failing()` is true. */
function faultyIo(code: string, op: 'writev' | 'datasync', failing: () => boolean): JournalIo & { calls: Record<string, number> } {
  const calls: Record<string, number> = { writev: 0, datasync: 0 };
  return {
    calls,
    async create(path) {
      const handle = await openFile(path, 'wx');
      const fail = (what: 'writev' | 'datasync'): void => {
        calls[what] = (calls[what] ?? 0) + 1;
        if (what === op && failing()) throw Object.assign(new Error(`${code}: injected`), { code });
      };
      const file: SegmentFile = {
        writev: async (parts, position) => {
          fail('writev');
          return (await handle.writev(parts, position)).bytesWritten;
        },
        datasync: async () => {
          fail('datasync');
          await handle.datasync();
        },
        truncate: (length) => handle.truncate(length),
        close: () => handle.close(),
      };
      return file;
    },
    async syncDirectory() {},
  };
}

void t.test('injected disk errors: append answers disk_error, never throws; the file stays clean', async (t) => {
  const cases: Array<{ code: string; op: 'writev' | 'datasync'; whenFull: 'block' | 'drop_oldest'; expect: string }> = [
    { code: 'ENOSPC', op: 'writev', whenFull: 'block', expect: 'disk_error' },
    { code: 'EIO', op: 'writev', whenFull: 'block', expect: 'disk_error' },
    { code: 'EROFS', op: 'writev', whenFull: 'drop_oldest', expect: 'disk_error' },
    { code: 'EIO', op: 'datasync', whenFull: 'block', expect: 'disk_error' },
  ];
  for (const { code, op, whenFull, expect } of cases) {
    const name = `${code} on ${op} (${whenFull})`;
    const dir = tmp();
    let failing = false;
    const io = faultyIo(code, op, () => failing);
    const { journal } = await openJournal(dir, { io, whenFull });
    const before = await appendOk(journal, batchOf(1));
    failing = true;
    const result = await journal.append(batchOf(2));
    t.same(result.ok ? 'ok' : result.reason, expect, `${name}: reason`);
    t.match(result.ok ? '' : (result.error ?? ''), code, `${name}: the OS error is named`);
    t.ok(journal.full, `${name}: full, so sources pause`);
    failing = false;
    const after = await journal.append(batchOf(3));
    t.ok(after.ok, `${name}: appends work again once the disk does`);
    await journal.close();
    const reopened = await openJournal(dir);
    t.same(reopened.losses, [], `${name}: no torn record left behind`);
    const got = reopened.recovered.map((r) => r.createdAt - 0.5 - 1_700_000_000_000);
    // After a failed fsync the bytes may still be on disk: at least once, never lost.
    t.same(got.filter((n) => n !== 2), [1, 3], `${name}: the good batches are kept`);
    t.ok(reopened.recovered[0]?.id === before, `${name}: ids stable`);
    await reopened.journal.close();
  }
});

void t.test('injected ENOSPC under drop_oldest drops the oldest segment and retries', async (t) => {
  const dir = tmp();
  let fail = 0;
  const io = faultyIo('ENOSPC', 'writev', () => fail-- > 0);
  const { journal, losses } = await openJournal(dir, { io, whenFull: 'drop_oldest', segmentBytes: 64 * KiB });
  for (let i = 0; i < 10; i++) await appendOk(journal, batchOf(i, 10, 1000));
  fail = 1;
  const result = await journal.append(batchOf(10, 10, 1000));
  t.ok(result.ok, 'append succeeds after making room');
  t.same(losses.map((loss) => loss.reason), ['drop_oldest']);
  t.equal(losses[0]?.batches, 6, 'the first segment’s six batches');
  await journal.close();
});

void t.test('fsync modes: batch syncs per append, interval on a timer, never not at all', async (t) => {
  for (const fsync of ['batch', 'interval', 'never'] as const) {
    const io = faultyIo('EIO', 'datasync', () => false);
    const { journal } = await openJournal(tmp(), { io, fsync, fsyncIntervalMs: 20 });
    const base = io.calls.datasync ?? 0;
    for (let i = 0; i < 5; i++) await appendOk(journal, batchOf(i));
    const afterAppends = (io.calls.datasync ?? 0) - base;
    await new Promise((resolve) => setTimeout(resolve, 80));
    const afterWait = (io.calls.datasync ?? 0) - base;
    await journal.close();
    const afterClose = (io.calls.datasync ?? 0) - base;
    if (fsync === 'batch') t.equal(afterAppends, 5, 'batch: one fsync per sequential append');
    if (fsync === 'interval') t.same([afterAppends, afterWait >= 1], [0, true], 'interval: none inline, then the timer');
    if (fsync === 'never') t.same([afterAppends, afterWait, afterClose], [0, 0, 0], 'never: not even at close');
  }
});

void t.test('fsync batch groups concurrent appends into one fsync', async (t) => {
  const io = faultyIo('EIO', 'datasync', () => false);
  const { journal } = await openJournal(tmp(), { io, fsync: 'batch' });
  const base = io.calls.datasync ?? 0;
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => journal.append(batchOf(i))));
  t.ok(results.every((r) => r.ok), 'all appended');
  t.ok((io.calls.datasync ?? 0) - base < 20, `${(io.calls.datasync ?? 0) - base} fsyncs for 20 appends`);
  await journal.close();
});

void t.test('append after close answers disk_error', async (t) => {
  const { journal } = await openJournal(tmp());
  await journal.close();
  const result = await journal.append(batchOf(1));
  t.same(result, { ok: false, reason: 'disk_error', error: 'journal closed' });
});

void t.test('a body checksum computed in a worker (bodyCrc) is part of the record; a wrong one reads as corrupt', async (t) => {
  const dir = tmp();
  const { journal } = await openJournal(dir);
  const good = batchOf(1);
  const goodId = await appendOk(journal, { ...good, bodyCrc: crc32(good.body) });
  await appendOk(journal, { ...batchOf(2), bodyCrc: (crc32(batchOf(2).body) ^ 1) >>> 0 });
  await journal.close();
  const reopened = await openJournal(dir);
  t.same(reopened.recovered.map((r) => r.id), [goodId], 'the record with the right body checksum is recovered');
  sameBatch(t, await reopened.journal.read(goodId), good, 'and reads back');
  t.match(reopened.losses, [{ reason: 'torn_tail' }], 'the other fails its checksum (the last record: a torn tail)');
  await reopened.journal.close();
});

void t.test('a segment written in format 1 (ASIMDJ01) is still read', async (t) => {
  const dir = tmp();
  const batch = batchOf(7);
  const record = encodeBatch(42, batch);
  const bytes = Buffer.concat(record.parts);
  // Format 1 checksums type ‖ payload in order, body included.
  bytes.writeUInt32LE(crc32(bytes.subarray(8)), 4);
  writeFileSync(join(dir, segmentName(1)), Buffer.concat([Buffer.from('ASIMDJ01', 'latin1'), bytes]));
  const { journal, recovered, losses } = await openJournal(dir);
  t.same(recovered.map((r) => r.id), [42]);
  t.same(losses, [], 'nothing lost');
  sameBatch(t, await journal.read(42), batch, 'the batch reads back');
  await journal.ack(42);
  await journal.close();
});
