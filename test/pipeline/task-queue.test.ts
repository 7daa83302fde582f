import { Piscina, type PiscinaTask } from 'piscina';
import t from 'tap';
import { URGENT, UrgentFirstQueue } from '../../src/pipeline/task-queue.ts';

// What the queue sees of a task: piscina exposes the task's queue options under the symbol.
const queued = (name: string, urgent: boolean): PiscinaTask => ({ name, [Piscina.queueOptionsSymbol]: urgent ? URGENT : null }) as unknown as PiscinaTask;

void t.test('urgent tasks (sealing a batch) leave before queued frame tasks, each lane in order', async (t) => {
  const queue = new UrgentFirstQueue();
  for (const task of [queued('frames 1', false), queued('frames 2', false), queued('seal 1', true), queued('frames 3', false), queued('seal 2', true)]) queue.push(task);
  t.equal(queue.size, 5);
  const order: string[] = [];
  for (let task = queue.shift(); task; task = queue.shift()) order.push(task.name);
  t.same(order, ['seal 1', 'seal 2', 'frames 1', 'frames 2', 'frames 3']);
  t.equal(queue.size, 0);
});

void t.test('a task can be removed from either lane (an aborted task)', async (t) => {
  const queue = new UrgentFirstQueue();
  const frames = queued('frames', false);
  const seal = queued('seal', true);
  queue.push(frames);
  queue.push(seal);
  queue.remove(seal);
  queue.remove(frames);
  t.equal(queue.size, 0);
  t.equal(queue.shift(), null);
});
