import { Buffer } from 'node:buffer';
import type { FrameTask } from './task.ts';
import { TaskBuilder } from './task-builder.ts';

/**
 * One line of each kind the syslog path parses (written for this purpose, not
 * taken from anywhere), run through every worker before the agent listens, so
 * V8 has compiled the parsers, the row writers and gzip's bindings when the
 * first real burst arrives. Cold, the first task of 1 MiB took about 150 ms
 * instead of 20, and the first batch waited for it.
 */
const LINES = [
  '<165>1 2026-01-01T00:00:00.000Z web-01.example.test nginx 4242 ACCESS [meta@32473 site="shop" region="eu"] GET /api/items?id=7&q=a 200 512 "curl/8.0"',
  '<134>1 2026-01-01T00:00:00.123456+01:00 app-02 orders - ORD42 - order 42 placed by user=alice amount=19.99 currency=EUR',
  '<38>Jan  1 00:00:00 mail-03 postfix/smtpd[1234]: connect from unknown[192.0.2.10]',
  '<86>Jan  1 00:00:01 bastion sshd[2222]: Accepted publickey for deploy from 192.0.2.20 port 50122 ssh2: ED25519 SHA256:abc',
  '<86>Jan  1 00:00:02 bastion sshd[2223]: Failed password for invalid user admin from 198.51.100.7 port 40000 ssh2',
  '<85>Jan  1 00:00:03 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id',
  '<132>Jan  1 00:00:04 fw-01 CEF:0|Example|Firewall|1.0|100|Connection denied|5|src=192.0.2.30 dst=198.51.100.40 spt=5555 dpt=443 proto=TCP act=deny suser=bob msg=blocked "by policy"',
  'a line without any syslog header at all',
];

/** Frames per warm-up task: enough for V8 to optimize the hot loops. */
const FRAMES = 2048;

export function warmUpTask(): FrameTask {
  const lines = LINES.map((line) => Buffer.from(line));
  const builder = new TaskBuilder('syslog_tcp', lines.reduce((sum, line) => sum + line.length, 0) * Math.ceil(FRAMES / lines.length), FRAMES, 0);
  for (let i = 0; i < FRAMES; i++) {
    const line = lines[i % lines.length] as Buffer;
    builder.add(line, 0, line.length, '192.0.2.1', Date.now(), 0);
  }
  const task = builder.take() as FrameTask;
  task.warmUp = true;
  return task;
}
