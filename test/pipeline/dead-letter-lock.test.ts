import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { withDeadLetterLock } from '../../src/pipeline/dead-letter-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'asimd-dlq-lock-'));

void t.test('appends during a read-filter-rename rewrite are never lost', async (t) => {
  const file = join(dir, 'Custom-Syslog.ndjson');
  await writeFile(file, 'old 0\nold 1\n');
  // The rewrite reads, waits (as a slow disk would), then renames over: without the lock the appends made during the wait vanish.
  const rewrite = withDeadLetterLock(dir, async () => {
    const kept = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== 'old 0');
    await sleep(50);
    await writeFile(`${file}.tmp`, kept.join('\n'));
    await rename(`${file}.tmp`, file);
  });
  await sleep(5);
  const appends = Array.from({ length: 20 }, (_, i) => withDeadLetterLock(dir, () => appendFile(file, `new ${i}\n`)));
  await Promise.all([rewrite, ...appends]);
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  t.notOk(lines.includes('old 0'), 'the rewrite removed its line');
  t.ok(lines.includes('old 1'), 'and kept the other');
  t.equal(lines.filter((line) => line.startsWith('new ')).length, 20, 'every append made during the rewrite is there');
});

void t.test('a lock left by a dead process is broken after 30 s', async (t) => {
  const lock = join(dir, '.asimd-deadletter.lock');
  writeFileSync(lock, '999999');
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(lock, old, old);
  let ran = false;
  await withDeadLetterLock(dir, async () => {
    ran = true;
  });
  t.ok(ran, 'the change ran');
});
