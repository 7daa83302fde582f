import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { pino } from 'pino';
import t from 'tap';
import { buildConfig } from '../../src/config/load.ts';
import { Metrics } from '../../src/metrics/index.ts';
import type { DocumentOutcome, DocumentSource } from '../../src/pipeline/task.ts';
import { registerHttpSources, type DocumentIntake } from '../../src/sources/http/index.ts';

/*
 * The HTTP contract of each cloud endpoint over a real socket: authentication,
 * limits and answers. The pipeline behind them is a recording stand-in here;
 * test/integration/cloud-sources.test.ts runs the real one end to end.
 */

const dir = mkdtempSync(join(tmpdir(), 'asimd-http-'));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwksFile = join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' }] }));
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwt(claims: Record<string, unknown>, key = privateKey, kid = 'key-1'): string {
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

const AUDIENCE = 'https://asimd.example.com/v1/gcp/pubsub';
const SA = 'pubsub-push@demo.iam.gserviceaccount.com';
const good = (): Record<string, unknown> => ({ aud: AUDIENCE, iss: 'https://accounts.google.com', exp: Math.floor(Date.now() / 1000) + 600, email: SA, email_verified: true });

class RecordingIntake implements DocumentIntake {
  full = false;
  readonly calls: Array<{ source: DocumentSource; documents: string[] }> = [];
  outcome: (document: string) => DocumentOutcome = () => ({ records: 1, accepted: 1, skipped: 0, rejected: [] });
  submitDocuments(source: DocumentSource, documents: readonly Uint8Array[]): Promise<DocumentOutcome[]> {
    const texts = documents.map((document) => Buffer.from(document).toString('utf8'));
    this.calls.push({ source, documents: texts });
    return Promise.resolve(texts.map((text) => this.outcome(text)));
  }
}

const TOKEN = 'bearer-token-for-tests-0123456789';
const ACCESS_KEY = 'firehose-access-key-0123456789';
const intake = new RecordingIntake();
const config = buildConfig({
  sources: {
    http: {
      tokens: [TOKEN],
      maxBodyBytes: 512 * 1024,
      maxDecompressedBytes: 1024 * 1024,
      maxRecordsPerRequest: 3,
      firehose: { accessKeys: [ACCESS_KEY] },
      pubsub: { audience: AUDIENCE, jwksFile, serviceAccountEmails: [SA] },
    },
  },
});
const app = Fastify();
await registerHttpSources(app, { config: config.sources.http, intake, metrics: new Metrics(), logger: pino({ level: 'silent' }) });
await app.listen({ host: '127.0.0.1', port: 0 });
t.teardown(() => app.close());
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

void t.test('bearer token endpoints: 401 without or with a wrong token, 200 with it', async (t) => {
  for (const path of ['/v1/aws/cloudtrail', '/v1/gcp/logentries']) {
    t.equal((await post(path, '{}')).status, 401, `${path} without a token`);
    t.equal((await post(path, '{}', { authorization: 'Bearer wrong-token-0123456789abcdef' })).status, 401, `${path} with a wrong token`);
    t.equal((await post(path, '{"Records":[]}', { authorization: `Bearer ${TOKEN}` })).status, 200, `${path} with the token`);
  }
});

void t.test('CloudTrail: NDJSON of files, gzip, limits and per-document errors', async (t) => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  intake.calls.length = 0;
  const ndjson = await post('/v1/aws/cloudtrail', '{"Records":[]}\n\n{"Records":[]}\n', { ...auth, 'content-type': 'application/x-ndjson' });
  t.equal(ndjson.status, 200);
  t.equal(intake.calls.at(-1)?.documents.length, 2, 'two files, blank line ignored');
  const gz = await post('/v1/aws/cloudtrail', gzipSync('{"Records":[]}'), { ...auth, 'content-encoding': 'gzip' });
  t.equal(gz.status, 200);
  t.equal(intake.calls.at(-1)?.documents[0], '{"Records":[]}', 'the worker gets the inflated file');
  t.equal((await post('/v1/aws/cloudtrail', gzipSync(Buffer.alloc(2 * 1024 * 1024)), { ...auth, 'content-encoding': 'gzip' })).status, 413, 'gzip bomb');
  t.equal((await post('/v1/aws/cloudtrail', Buffer.alloc(600 * 1024, 0x20), auth)).status, 413, 'body over maxBodyBytes');
  t.equal((await post('/v1/aws/cloudtrail', 'x', { ...auth, 'content-encoding': 'br' })).status, 415, 'unknown encoding');
  t.equal((await post('/v1/aws/cloudtrail', gzipSync('x').subarray(0, 8), { ...auth, 'content-encoding': 'gzip' })).status, 400, 'corrupt gzip');
  t.equal((await post('/v1/aws/cloudtrail', '{}\n{}\n{}\n{}\n', { ...auth, 'content-type': 'application/x-ndjson' })).status, 413, 'too many files');
  intake.outcome = () => ({ records: 0, accepted: 0, skipped: 0, rejected: [], error: 'not valid JSON: Unexpected end of JSON input' });
  const broken = await post('/v1/aws/cloudtrail', '{"Records":[', auth);
  t.equal(broken.status, 400);
  t.match(await broken.json(), { error: /not valid JSON/ });
  intake.outcome = () => ({ records: 1, accepted: 1, skipped: 0, rejected: [] });
});

void t.test('backpressure: 503 with Retry-After on every endpoint', async (t) => {
  intake.full = true;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const cases: Array<[string, Record<string, string>]> = [
    ['/v1/aws/cloudtrail', auth],
    ['/v1/gcp/logentries', auth],
    ['/v1/aws/firehose', { 'x-amz-firehose-access-key': ACCESS_KEY }],
    ['/v1/gcp/pubsub', { authorization: `Bearer ${jwt(good())}` }],
  ];
  for (const [path, headers] of cases) {
    const response = await post(path, '{}', headers);
    t.equal(response.status, 503, path);
    t.equal(response.headers.get('retry-after'), '1', `${path} Retry-After`);
  }
  intake.full = false;
});

void t.test('Firehose: access key, the response shape, records decoded and inflated', async (t) => {
  const requestId = 'a1b2c3d4-0000-1111-2222-333344445555';
  const delivery = (records: unknown[]): string => JSON.stringify({ requestId, timestamp: 1_700_000_000_000, records });
  const key = { 'x-amz-firehose-access-key': ACCESS_KEY, 'x-amz-firehose-request-id': requestId };
  const denied = await post('/v1/aws/firehose', delivery([]), { 'x-amz-firehose-request-id': requestId });
  t.equal(denied.status, 401);
  t.match(await denied.json(), { requestId, timestamp: Number, errorMessage: /Access-Key/ });
  intake.calls.length = 0;
  const gzipped = gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [] })).toString('base64');
  const ok = await post('/v1/aws/firehose', delivery([{ data: Buffer.from('{"detail-type":"x"}').toString('base64') }, { data: gzipped }]), key);
  t.equal(ok.status, 200);
  const answer = (await ok.json()) as Record<string, unknown>;
  t.same(Object.keys(answer).sort(), ['requestId', 'timestamp'], 'only requestId and timestamp on success');
  t.equal(answer['requestId'], requestId);
  t.same(intake.calls.at(-1)?.documents, ['{"detail-type":"x"}', '{"messageType":"DATA_MESSAGE","logEvents":[]}'], 'records decoded and inflated');
  const malformed = await post('/v1/aws/firehose', '{"requestId":"r-1","records":[', key);
  t.equal(malformed.status, 400);
  t.match(await malformed.json(), { errorMessage: /not valid JSON/ });
  const noData = await post('/v1/aws/firehose', delivery([{ nodata: true }]), key);
  t.equal(noData.status, 400);
  t.match(await noData.json(), { requestId, errorMessage: /records\[0\] has no base64 data/ });
  t.equal((await post('/v1/aws/firehose', delivery([{ data: '' }, { data: '' }, { data: '' }, { data: '' }]), key)).status, 413, 'too many records');
});

void t.test('Pub/Sub: the OIDC token is verified', async (t) => {
  const body = JSON.stringify({ message: { data: Buffer.from('{}').toString('base64'), messageId: '1' }, subscription: 'projects/p/subscriptions/s' });
  const tokenCases: Array<[string, string | undefined, number]> = [
    ['valid', jwt(good()), 200],
    ['missing', undefined, 401],
    ['expired', jwt({ ...good(), exp: Math.floor(Date.now() / 1000) - 10 }), 401],
    ['wrong audience', jwt({ ...good(), aud: 'https://elsewhere.example.com' }), 403],
    ['wrong issuer', jwt({ ...good(), iss: 'https://evil.example.com' }), 403],
    ['another service account', jwt({ ...good(), email: 'someone@demo.iam.gserviceaccount.com' }), 403],
    ['wrong signature', jwt(good(), other.privateKey), 401],
    ['unknown key id', jwt(good(), privateKey, 'key-9'), 401],
    ['not a JWT', 'abc.def', 401],
  ];
  for (const [name, token, status] of tokenCases) {
    const response = await post('/v1/gcp/pubsub', body, token === undefined ? {} : { authorization: `Bearer ${token}` });
    t.equal(response.status, status, name);
  }
});
