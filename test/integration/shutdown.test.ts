import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startAgent, testConfig } from '../helpers/agent-process.ts';

/*
 * SIGTERM while a sender is mid-stream: every frame the agent accepted is on
 * disk when it exits 0, in order, with no gap.
 */

function line(seq: number): string {
  return `<13>1 2026-11-28T10:00:00.000Z sd-host sd-app - - - seq=${String(seq).padStart(8, '0')} ${'s'.repeat(100)}\n`;
}

for (const framing of ['lf', 'octet'] as const) {
  void t.test(`SIGTERM mid-stream loses nothing accepted (${framing} framing)`, async (t) => {
    const agent = await startAgent(testConfig({ pipeline: { workers: 2 }, batch: { maxAgeMs: 1000 } }));
    t.teardown(() => agent.stop('SIGKILL'));
    const socket = connect(agent.tcpPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let closed = false;
    socket.on('error', () => {
      closed = true;
    });
    socket.on('close', () => {
      closed = true;
    });
    let seq = 0;
    const writer = (async () => {
      while (!closed) {
        const text = line(seq++);
        const frame = framing === 'lf' ? text : `${Buffer.byteLength(text) - 1} ${text.slice(0, -1)}`;
        if (!socket.write(frame)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), sleep(50)]);
        if (seq % 500 === 0) await sleep(0);
      }
    })();
    await sleep(400);
    const code = await agent.stop('SIGTERM');
    closed = true;
    await writer;
    t.equal(code, 0, 'exit code 0');

    const stopped = agent.logs.find((entry) => entry.msg === 'asimd stopped');
    t.ok(stopped, 'logged its stop');
    const accepted = Number(stopped?.['framesAccepted']);
    t.ok(accepted > 100, `accepted ${accepted} frames before the signal`);
    t.equal(stopped?.['drained'], true, 'drained in time');

    const rows = agent.rows();
    t.equal(rows.length, accepted, 'one row per accepted frame');
    t.equal(Number(stopped?.['rowsDelivered']), accepted, 'all delivered');
    let gaps = 0;
    rows.forEach((row, index) => {
      const message = String(row['SyslogMessage']);
      const isLast = index === rows.length - 1;
      // Only the frame cut by the shutdown may be partial, and then it says so (and may not even parse,
      // when the cut falls inside its header).
      const flags = row['AsimdFlags'];
      const cutShort = isLast && typeof flags === 'string' && /^truncated\b/.test(flags);
      if (cutShort) return;
      if (!message.startsWith(`seq=${String(index).padStart(8, '0')}`)) gaps++;
      if (row['AsimdFlags'] !== undefined) gaps++;
      if (isLast && message.length < 113) gaps++;
    });
    t.equal(gaps, 0, 'rows are in order with no gap, duplicate or unflagged partial');
  });
}
