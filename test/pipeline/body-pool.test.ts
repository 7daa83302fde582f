import t from 'tap';
import { BodyPool } from '../../src/pipeline/body-pool.ts';

void t.test('a released body is lent again; anything else is not taken in', async (t) => {
  const pool = new BodyPool(1024, 8 * 1024);
  const first = pool.acquire();
  t.ok(first.buffer instanceof SharedArrayBuffer, 'bodies are shared memory, posted to workers without a transfer');
  t.equal(first.length, 1024);
  const second = pool.acquire();
  t.not(second.buffer, first.buffer, 'a body still lent is not lent twice');
  pool.release(first.subarray(0, 10));
  t.equal(pool.acquire().buffer, first.buffer, 'released through a view of its first bytes (a batch body), then reused');
  pool.release(Buffer.from(new SharedArrayBuffer(1024)));
  pool.release(Buffer.alloc(1024));
  t.not(pool.acquire().buffer, second.buffer, 'memory the pool did not lend is ignored');
});

void t.test('a body released twice goes back once', async (t) => {
  const pool = new BodyPool(1024, 8 * 1024);
  const body = pool.acquire();
  pool.release(body);
  pool.release(body);
  const a = pool.acquire();
  const b = pool.acquire();
  t.equal(a.buffer, body.buffer);
  t.not(b.buffer, body.buffer, 'not lent to two batches at once');
});

void t.test('lent and free bodies together stay within the budget (and two more)', async (t) => {
  const pool = new BodyPool(1024, 4 * 1024);
  const lent = Array.from({ length: 10 }, () => pool.acquire());
  for (const body of lent) pool.release(body);
  const again = Array.from({ length: 10 }, () => pool.acquire());
  const reused = again.filter((body) => lent.some((old) => old.buffer === body.buffer)).length;
  t.equal(reused, 6, 'a burst past the budget is not kept: 4 + 2 bodies reused, the rest fresh');
});
