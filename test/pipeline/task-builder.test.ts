import t from 'tap';
import { TaskBuilder } from '../../src/pipeline/task-builder.ts';

const frame = (text: string): Buffer => Buffer.from(text);

void t.test('a spent task\'s arrays are reused by a later task, with no trace of the old frames', async (t) => {
  const builder = new TaskBuilder('syslog_tcp', 1024, 8);
  builder.add(frame('first frame'), 0, 11, '10.0.0.1', 1, 0);
  const first = builder.take();
  if (!first) throw new Error('no task');
  builder.recycle({ data: first.data.buffer as ArrayBuffer, ends: first.ends, flags: first.flags, receivedAt: first.receivedAt, peerIndex: first.peerIndex });
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
