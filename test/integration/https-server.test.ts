import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Agent, request } from 'undici';
import { issue, makeCa } from '../helpers/pki.ts';
import { startAgent, testConfig } from '../helpers/agent-process.ts';

/* The operations server over HTTPS (Firehose delivers only to HTTPS endpoints). */

const dir = mkdtempSync(join(tmpdir(), 'asimd-https-'));
const ca = await makeCa(dir);
const server = await issue(dir, ca, 'asimd-http', 'server');
const agent = await startAgent(testConfig({ server: { certFile: server.certFile, keyFile: server.keyFile } }));
t.teardown(() => agent.stop('SIGKILL'));
const trusting = new Agent({ connect: { ca: ca.cert } });
t.teardown(() => trusting.close());

void t.test('health, readiness and a Firehose delivery over HTTPS', async (t) => {
  const health = await request(`https://127.0.0.1:${agent.httpPort}/healthz`, { dispatcher: trusting });
  t.equal(health.statusCode, 200);
  await health.body.text();
  const delivery = await request(`https://127.0.0.1:${agent.httpPort}/v1/aws/firehose`, {
    dispatcher: trusting,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requestId: 'tls-1', timestamp: Date.now(), records: [] }),
  });
  t.equal(delivery.statusCode, 200);
  t.match(await delivery.body.json(), { requestId: 'tls-1' });
});

void t.test('plain HTTP is not served on the HTTPS port', async (t) => {
  const outcome = await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`).then(
    (response) => `status ${response.status}`,
    () => 'refused',
  );
  t.not(outcome, 'status 200');
  t.equal(await agent.stop(), 0);
});
