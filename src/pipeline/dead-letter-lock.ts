import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * The agent appends to the dead-letter files while `asimd dlq replay` may be
 * rewriting them (read, filter, rename over). Both take this lock file around
 * their change, so an append can never fall between replay's read and its
 * rename. Holders keep it for milliseconds; one older than STALE_MS belongs to
 * a process that died holding it and is broken.
 */

const LOCK_NAME = '.asimd-deadletter.lock';
const STALE_MS = 30_000;
const RETRY_MS = 5;

export async function withDeadLetterLock<T>(directory: string, change: () => Promise<T>): Promise<T> {
  const path = join(directory, LOCK_NAME);
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = await stat(path).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_MS) await rm(path, { force: true });
      else await sleep(RETRY_MS);
    }
  }
  try {
    return await change();
  } finally {
    await rm(path, { force: true });
  }
}
