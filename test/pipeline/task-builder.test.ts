import t from 'tap';
import { TaskBuilder, transferListOf } from '../../src/pipeline/task-builder.ts';
import type { FrameTask } from '../../src/pipeline/task.ts';

const frame = (text: string): Buffer => Buffer.from(text);

void t.test('a spent task\'s arrays are reused by a later task, with no trace of the old frames', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 1024, 8);
  builder.add(frame('first frame'), 0, 11, '10.0.0.1', 1, 0);
  const first = builder.take();
  if (!first) throw new Error('no task');
  builder.recycle({ data: first.data.buffer, ends: first.ends, flags: first.flags, receivedAt: first.receivedAt, peerIndex: first.peerIndex });
  // take() readies the next task's arrays at once, so the spare serves the task after the one being built.
  builder.add(frame('second'), 0, 6, '10.0.0.9', 1, 0);
  const second = builder.take();
  t.not(second?.data.buffer, first.data.buffer, 'the task being built kept its own arrays');
  builder.add(frame('x'), 0, 1, '10.0.0.1', 1, 0);
  builder.add(frame('y'), 0, 1, '10.0.0.2', 2, 1);
  const third = builder.take();
  if (!third) throw new Error('no task');
  t.equal(third.data.buffer, first.data.buffer, 'the spent ArrayBuffer, reused');
  t.equal(third.ends, first.ends, 'the spent ends array, reused');
  t.equal(Buffer.from(third.data).toString(), 'xy', 'holding only the new frames');
  t.same([...third.ends.subarray(0, third.count)], [1, 2]);
  t.same(third.peers, ['10.0.0.1', '10.0.0.2'], 'peers start afresh');
});

void t.test('arrays of another size are not kept', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 1024, 8);
  builder.recycle({ data: new ArrayBuffer(4096), ends: new Uint32Array(8), flags: new Uint8Array(8), receivedAt: new Float64Array(8), peerIndex: new Uint16Array(8) });
  builder.add(frame('a'), 0, 1, 'p', 1, 0);
  t.equal(builder.take()?.data.buffer.byteLength, 1024, 'a buffer of the builder\'s own size');
});

void t.test('tasks live in shared memory (nothing to transfer); one-off tasks are plain and transferred', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 1024, 8);
  builder.add(frame('a'), 0, 1, 'p', 1, 0);
  const task = builder.take();
  if (!task) throw new Error('no task');
  for (const array of [task.data, task.ends, task.flags, task.receivedAt, task.peerIndex]) t.ok(array.buffer instanceof SharedArrayBuffer);
  t.same(transferListOf(task), [], 'shared memory is posted, not transferred');
  const oneOff = new TaskBuilder('aws_cloudtrail', 64, 1, 0);
  oneOff.add(frame('{}'), 0, 2, 'p', 1, 0);
  const request = oneOff.take();
  if (!request) throw new Error('no task');
  t.equal(transferListOf(request).length, 5, 'all five arrays transferred');
  t.notOk(request.data.buffer instanceof SharedArrayBuffer);
});

void t.test('spent tasks are kept up to the number asked for', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 64, 4, 2);
  const spent: FrameTask[] = [];
  for (let i = 0; i < 4; i++) {
    builder.add(frame('x'), 0, 1, 'p', 1, 0);
    const task = builder.take();
    if (!task) throw new Error('no task');
    spent.push(task);
  }
  for (const task of spent) builder.recycle({ data: task.data.buffer, ends: task.ends, flags: task.flags, receivedAt: task.receivedAt, peerIndex: task.peerIndex });
  const buffers = new Set<ArrayBufferLike>();
  for (let i = 0; i < 4; i++) {
    builder.add(frame('x'), 0, 1, 'p', 1, 0);
    const task = builder.take();
    if (task) buffers.add(task.data.buffer);
  }
  const reused = [...buffers].filter((buffer) => spent.some((task) => task.data.buffer === buffer)).length;
  t.equal(reused, 2, 'two spares reused, the other spent tasks let go');
});

void t.test('each frame names its own peer, in runs and interleaved, and a new task numbers its peers afresh', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 1024, 16);
  for (const peer of ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.3']) builder.add(frame('x'), 0, 1, peer, 1, 0);
  const first = builder.take();
  if (!first) throw new Error('no task');
  t.same(first.peers, ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  t.same([...first.peerIndex.subarray(0, first.count)], [0, 0, 1, 0, 2, 2]);
  // The last peer of the task before is the first of this one: it is this task's peer 0, not the old task's 2.
  builder.add(frame('y'), 0, 1, '10.0.0.3', 2, 0);
  builder.add(frame('z'), 0, 1, '10.0.0.1', 2, 0);
  const second = builder.take();
  if (!second) throw new Error('no task');
  t.same(second.peers, ['10.0.0.3', '10.0.0.1']);
  t.same([...second.peerIndex.subarray(0, second.count)], [0, 1]);
});
