import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RawBody } from './body.ts';
import { contextOf, decodedQuery, type EmulatorState, type RequestContext } from './context.ts';

/*
 * Entra ID as @azure/identity and MSAL use it (reference §6, §8.2, §10): OIDC
 * discovery, the v2.0 token endpoint for client credentials (secret or
 * assertion), and the App Service managed-identity endpoint. Errors use the
 * OAuth2 shape with Entra's AADSTS codes.
 */

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'offline_access']);

interface TenantParams {
  tenant: string;
}

function oauthError(reply: FastifyReply, context: RequestContext, status: number, error: string, aadsts: number, description: string): FastifyReply {
  context.errorCode = error;
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return reply.code(status).send({
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  });
}

function tenantAllowed(state: EmulatorState, tenant: string): boolean {
  return state.config.tenants.length === 0 || state.config.tenants.includes(tenant);
}

/** The scope must name the configured audience with /.default (the PowerShell sample's // form too). */
function scopeProblem(state: EmulatorState, scope: string | undefined): { error: string; aadsts: number; description: string } | undefined {
  const scopes = (scope ?? '').split(/\s+/).filter((item) => item.length > 0 && !OIDC_SCOPES.has(item));
  const [only] = scopes;
  if (scopes.length !== 1 || only === undefined || !only.endsWith('/.default')) {
    return {
      error: 'invalid_scope',
      aadsts: 1002012,
      description: `The provided value for scope ${scope ?? '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    };
  }
  if (only !== `${state.audience}/.default` && only !== `${state.audience}//.default`) {
    return {
      error: 'invalid_resource',
      aadsts: 500011,
      description: `The resource principal named ${only.slice(0, -'/.default'.length)} was not found in the tenant. This emulator serves ${state.audience} (emulator.cloud).`,
    };
  }
  return undefined;
}

export function registerEntra(app: FastifyInstance, state: EmulatorState): void {
  app.get<{ Params: TenantParams }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const context = contextOf(request);
    context.kind = 'openid-configuration';
    const { tenant } = request.params;
    if (!tenantAllowed(state, tenant)) return oauthError(reply, context, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
    const base = `${state.baseUrl()}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/openid/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      tenant_region_scope: null,
      cloud_instance_name: 'asimd-emulator',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  });

  app.get<{ Params: TenantParams }>('/:tenant/discovery/v2.0/keys', (request) => {
    contextOf(request).kind = 'keys';
    return { keys: [] };
  });

  app.post<{ Params: TenantParams }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const context = contextOf(request);
    context.kind = 'token';
    const { tenant } = request.params;
    const raw = request.body as RawBody | undefined;
    context.bytesRaw = raw?.length ?? 0;
    if (!tenantAllowed(state, tenant)) return oauthError(reply, context, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded' || raw === undefined || raw.tooLarge) {
      return oauthError(reply, context, 400, 'invalid_request', 900144, 'The request body must be application/x-www-form-urlencoded.');
    }
    context.bytesDecoded = raw.bytes.length;
    // Unknown fields (client-request-id, x-client-*, claims, …) are ignored.
    const form = new URLSearchParams(raw.bytes.toString('utf8'));
    const grantType = form.get('grant_type');
    const clientId = form.get('client_id');
    if (grantType !== 'client_credentials') {
      return oauthError(reply, context, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'. This emulator supports client_credentials.`);
    }
    if (clientId === null || clientId === '') {
      return oauthError(reply, context, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    }
    context.clientId = clientId;
    const scope = scopeProblem(state, form.get('scope') ?? undefined);
    if (scope !== undefined) return oauthError(reply, context, 400, scope.error, scope.aadsts, scope.description);
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if ((secret === null || secret === '') && (assertion === null || assertion === '')) {
      return oauthError(reply, context, 401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    }
    if (assertion !== null && assertion !== '' && form.get('client_assertion_type') !== JWT_BEARER) {
      return oauthError(reply, context, 400, 'invalid_request', 50027, `client_assertion_type must be ${JWT_BEARER}.`);
    }
    if (state.clients.size > 0) {
      const client = state.clients.get(clientId);
      if (client === undefined) {
        return oauthError(reply, context, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
      }
      // Assertions are not verified (the emulator has no keys); a configured secret is.
      if (secret !== null && secret !== '' && client.clientSecret !== undefined && secret !== client.clientSecret) {
        return oauthError(reply, context, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      }
      if ((secret === null || secret === '') && client.clientSecret !== undefined) {
        return oauthError(reply, context, 401, 'invalid_client', 7000215, `App '${clientId}' authenticates with a client secret in this emulator.`);
      }
    }
    const lifetime = state.config.tokenLifetimeSeconds;
    const { accessToken } = state.tokens.issue(
      { clientId, tenant, audience: state.audience, grant: secret !== null && secret !== '' ? 'client_secret' : 'client_assertion' },
      lifetime,
      Date.now(),
    );
    return reply.header('cache-control', 'no-store, no-cache').send({ token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken });
  });
}

/** App Service-style managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER), on the HTTPS and the plain-HTTP listener. */
export function registerManagedIdentity(app: FastifyInstance, state: EmulatorState): void {
  app.get('/msi/token', async (request, reply) => {
    const context = contextOf(request);
    context.kind = 'managed-identity';
    const query = decodedQuery(request.raw.url ?? '');
    const header = request.headers['x-identity-header'];
    if (typeof header !== 'string' || header === '') {
      context.errorCode = 'invalid_request';
      return reply.code(400).send({ error: 'invalid_request', error_description: 'The X-IDENTITY-HEADER header is required.' });
    }
    if (query['api-version'] !== '2019-08-01') {
      context.errorCode = 'invalid_request';
      return reply.code(400).send({ error: 'invalid_request', error_description: `api-version must be 2019-08-01; got ${query['api-version'] ?? 'none'}.` });
    }
    const resource = query['resource'];
    if (resource !== state.audience && resource !== `${state.audience}/`) {
      context.errorCode = 'invalid_resource';
      return reply.code(400).send({ error: 'invalid_resource', error_description: `resource must be ${state.audience}; got ${resource ?? 'none'}.` });
    }
    const clientId = query['client_id'] ?? query['principal_id'] ?? query['mi_res_id'] ?? 'system-assigned-managed-identity';
    context.clientId = clientId;
    const lifetime = state.config.tokenLifetimeSeconds;
    const { accessToken, expiresAt } = state.tokens.issue({ clientId, tenant: 'managed-identity', audience: state.audience, grant: 'managed_identity' }, lifetime, Date.now());
    return {
      access_token: accessToken,
      expires_on: String(Math.floor(expiresAt / 1000)),
      resource,
      token_type: 'Bearer',
      client_id: clientId,
    };
  });
}
