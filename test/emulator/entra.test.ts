import t from 'tap';
import { request } from 'undici';
import { STREAM, startHarness, syslogRow, type Harness } from '../fixtures/emulator/harness.ts';

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
  body: new URLSearchParams(fields).toString(),
});

const secretForm = (overrides: Record<string, string> = {}) =>
  form({ client_id: 'app-1', client_secret: 's', grant_type: 'client_credentials', scope: 'https://monitor.azure.com/.default', ...overrides });

async function msi(h: Harness, endpoint: string, headers: Record<string, string>, resource = 'https://monitor.azure.com') {
  const response = await request(`${endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`, { headers, dispatcher: h.dispatcher });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

void t.test('OIDC discovery: the fields MSAL checks, with an issuer on the emulator\'s own origin', async (t) => {
  const h = await startHarness(t);
  const response = await h.call('GET', '/tenant-1/v2.0/.well-known/openid-configuration');
  t.equal(response.status, 200);
  const body = response.json as Record<string, string>;
  t.equal(body['issuer'], `${h.emulator.url}/tenant-1/v2.0`);
  t.equal(body['token_endpoint'], `${h.emulator.url}/tenant-1/oauth2/v2.0/token`);
  t.equal(body['authorization_endpoint'], `${h.emulator.url}/tenant-1/oauth2/v2.0/authorize`);
  t.equal(body['jwks_uri'], `${h.emulator.url}/tenant-1/discovery/v2.0/keys`);
  const keys = await h.call('GET', '/tenant-1/discovery/v2.0/keys');
  t.same(keys.json, { keys: [] });
});

void t.test('client credentials: a secret or an assertion gets a bearer token; unknown fields are ignored', async (t) => {
  const h = await startHarness(t, { tokenLifetimeSeconds: 600 });
  const withSecret = await h.call(
    'POST',
    '/tenant-1/oauth2/v2.0/token?client-request-id=8b1c0c6e-0000-4000-8000-000000000000',
    secretForm({ 'client-request-id': 'x', 'x-client-SKU': 'msal.js.node', claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}' }),
  );
  t.equal(withSecret.status, 200);
  const body = withSecret.json as Record<string, unknown>;
  t.equal(body['token_type'], 'Bearer');
  t.equal(body['expires_in'], 600);
  t.equal(body['ext_expires_in'], 600);
  t.type(body['access_token'], 'string');
  t.equal((await h.ingest(String(body['access_token']), [syslogRow()])).status, 204);

  const withAssertion = await h.call(
    'POST',
    '/tenant-1/oauth2/v2.0/token',
    form({
      client_id: 'app-2',
      client_assertion: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      grant_type: 'client_credentials',
      scope: 'https://monitor.azure.com//.default',
    }),
  );
  t.equal(withAssertion.status, 200, 'an assertion, and the // scope form');
  const claims = JSON.parse(Buffer.from(String((withAssertion.json as Record<string, unknown>)['access_token']).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  t.equal(claims['appid'], 'app-2', 'the token reads like a JWT naming its client');
  t.equal(claims['aud'], 'https://monitor.azure.com');
});

void t.test('token endpoint errors are OAuth2-shaped with AADSTS codes', async (t) => {
  const h = await startHarness(t, { clients: [{ clientId: 'app-1', clientSecret: 's' }], tenants: ['tenant-1'] });
  const cases: Array<[string, ReturnType<typeof form>, number, string, string]> = [
    ['wrong secret', secretForm({ client_secret: 'nope' }), 401, 'invalid_client', 'AADSTS7000215'],
    ['no secret or assertion', form({ client_id: 'app-1', grant_type: 'client_credentials', scope: 'https://monitor.azure.com/.default' }), 401, 'invalid_client', 'AADSTS7000216'],
    ['unknown client', secretForm({ client_id: 'who' }), 400, 'unauthorized_client', 'AADSTS700016'],
    ['scope without /.default', secretForm({ scope: 'https://monitor.azure.com' }), 400, 'invalid_scope', 'AADSTS1002012'],
    ['another cloud\'s audience', secretForm({ scope: 'https://monitor.azure.us/.default' }), 400, 'invalid_resource', 'AADSTS500011'],
    ['another grant', secretForm({ grant_type: 'password' }), 400, 'unsupported_grant_type', 'AADSTS70003'],
  ];
  for (const [why, request, status, error, aadsts] of cases) {
    const response = await h.call('POST', '/tenant-1/oauth2/v2.0/token', request);
    const body = response.json as Record<string, unknown>;
    t.equal(response.status, status, why);
    t.equal(body['error'], error, why);
    t.match(String(body['error_description']), aadsts, why);
  }
  const tenant = await h.call('POST', '/tenant-2/oauth2/v2.0/token', secretForm());
  t.equal(tenant.status, 400, 'a tenant not in emulator.tenants');
  t.match(String((tenant.json as Record<string, unknown>)['error_description']), 'AADSTS90002');
  t.equal((await h.call('POST', '/tenant-1/oauth2/v2.0/token', secretForm())).status, 200, 'the right secret');
  t.equal(h.emulator.stats().tokensIssued, 1);
});

void t.test('cloud: usgov issues and accepts tokens for https://monitor.azure.us only', async (t) => {
  const h = await startHarness(t, { cloud: 'usgov' });
  t.equal((await h.call('POST', '/t/oauth2/v2.0/token', secretForm())).status, 400, 'the public audience is refused');
  const response = await h.call('POST', '/t/oauth2/v2.0/token', secretForm({ scope: 'https://monitor.azure.us/.default' }));
  t.equal(response.status, 200);
  t.equal((await h.ingest(String((response.json as Record<string, unknown>)['access_token']), [syslogRow()])).status, 204);
});

void t.test('managed identity (App Service style) over plain HTTP and HTTPS: X-IDENTITY-HEADER is required', async (t) => {
  const h = await startHarness(t, { tokenLifetimeSeconds: 900 });
  t.match(h.emulator.msiEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
  const without = await msi(h, h.emulator.msiEndpoint, {});
  t.equal(without.status, 400);
  t.equal(without.body['error'], 'invalid_request');
  const wrongResource = await msi(h, h.emulator.msiEndpoint, { 'x-identity-header': 'h' }, 'https://vault.azure.net');
  t.equal(wrongResource.status, 400);

  const before = Math.floor(Date.now() / 1000);
  const granted = await msi(h, h.emulator.msiEndpoint, { 'x-identity-header': 'anything' });
  t.equal(granted.status, 200);
  t.equal(granted.body['token_type'], 'Bearer');
  t.equal(granted.body['resource'], 'https://monitor.azure.com');
  t.match(String(granted.body['expires_on']), /^\d+$/, 'expires_on is a string of epoch seconds');
  t.ok(Number(granted.body['expires_on']) >= before + 900);
  t.equal((await h.ingest(String(granted.body['access_token']), [syslogRow()])).status, 204);

  const overHttps = await msi(h, `${h.emulator.url}/msi/token`, { 'x-identity-header': 'anything' });
  t.equal(overHttps.status, 200, 'the HTTPS listener serves it too');
  t.equal(h.emulator.rows(STREAM).length, 1);
});

void t.test('a managed identity is subject to the clients list like any client', async (t) => {
  const h = await startHarness(t, { clients: [{ clientId: 'mi-client', dcrs: [] }] });
  const listed = await request(`${h.emulator.msiEndpoint}?api-version=2019-08-01&resource=https://monitor.azure.com&client_id=mi-client`, {
    headers: { 'x-identity-header': 'h' },
  });
  const token = ((await listed.body.json()) as Record<string, string>)['access_token'];
  t.equal((await h.ingest(token, [syslogRow()])).status, 204);
  const system = await request(`${h.emulator.msiEndpoint}?api-version=2019-08-01&resource=https://monitor.azure.com`, { headers: { 'x-identity-header': 'h' } });
  const systemToken = ((await system.body.json()) as Record<string, string>)['access_token'];
  t.equal((await h.ingest(systemToken, [syslogRow()])).status, 403, 'the system-assigned identity has no role on the DCR');
});
