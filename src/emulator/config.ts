import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from '../errors/index.ts';

/*
 * The emulator's configuration: one TypeBox schema with a default and a
 * description on every option, mounted at `emulator:` in asimd's config (and
 * usable on its own through emulatorConfig()).
 */

const MiB = 1024 * 1024;
const GB = 1_000_000_000;

export const DEFAULT_DCR_ID = 'dcr-00000000000000000000000000000000';
export const DEFAULT_DCR_TEMPLATE = 'config/dcr/asimd.dcr.json';

const Section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

const Item = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, description });

const DcrId = Type.String({ pattern: '^dcr-[0-9a-f]{32}$', description: 'A DCR immutable id: dcr- and 32 lowercase hex digits.' });

const TlsSchema = Section(
  {
    certFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM certificate (chain) to serve. Without certFile and keyFile a self-signed certificate is generated.' }),
    ),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of certFile.' })),
  },
  'HTTPS certificate. By default a self-signed certificate for IP:127.0.0.1, IP:::1 and DNS:localhost is generated (and reused while valid); its PEM is written to <dataDirectory>/emulator-cert.pem so clients can trust it with NODE_EXTRA_CA_CERTS or a ca/tlsOptions option.',
);

const ClientSchema = Item(
  {
    clientId: Type.String({ minLength: 1, description: 'Application (client) id.' }),
    clientSecret: Type.Optional(
      Type.String({ minLength: 1, description: 'Secret the client must present; absent: any secret or client assertion is accepted.' }),
    ),
    dcrs: Type.Array(DcrId, {
      default: [],
      description: 'Immutable ids of the DCRs the client may write (its "Monitoring Metrics Publisher" role); empty: all.',
    }),
  },
  'A client (app registration or managed identity) the token endpoints know.',
);

const DcrSchema = Item(
  {
    immutableId: DcrId,
    template: Type.String({
      minLength: 1,
      default: DEFAULT_DCR_TEMPLATE,
      description:
        'ARM template of the DCR (its streamDeclarations are enforced). A relative path is looked up in the working directory, then in the asimd package.',
    }),
    requestsPerMinute: Type.Integer({ minimum: 1, default: 12_000, description: 'Requests per 60 s window before 429 (Azure: 12,000).' }),
    bytesPerMinute: Type.Integer({
      minimum: 1,
      default: 2 * GB,
      description: 'Decompressed body bytes per 60 s window before 429 (Azure: 2 GB).',
    }),
  },
  'A data collection rule the emulator serves.',
);

export const FaultRuleSchema = Item(
  {
    match: Type.Optional(
      Item(
        {
          dcr: Type.Optional(Type.String({ minLength: 1, description: 'Only requests to this DCR immutable id.' })),
          stream: Type.Optional(Type.String({ minLength: 1, description: 'Only requests to this stream.' })),
        },
        'Which ingestion requests the rule applies to; absent: all.',
      ),
    ),
    action: Type.Union([Type.Literal('status'), Type.Literal('reset'), Type.Literal('delay')], {
      description: 'status: answer with `status`; reset: destroy the connection without answering; delay: wait delayMs, then handle normally.',
    }),
    status: Type.Optional(
      Type.Integer({ minimum: 400, maximum: 599, description: 'Status of a status fault (e.g. 400, 401, 403, 413, 429, 500, 503). A 401 also expires the token used.' }),
    ),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'Retry-After header of a status fault; absent: no header.' })),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'Delay of a delay fault.' })),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'Fire on at most this many matching requests; absent: on all.' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Fire on each eligible request with this probability; absent: 1.' })),
    afterRequests: Type.Optional(Type.Integer({ minimum: 0, description: 'Let this many matching requests through before firing.' })),
  },
  'A fault injected into ingestion requests. Rules are tried in order; the first that fires decides.',
);

export const EmulatorSchema = Section(
  {
    enabled: Type.Boolean({ default: false, description: 'Start the emulator in the agent\'s process (asimd emulator starts it on its own).' }),
    address: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the HTTPS listener binds.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443, description: 'Port of the HTTPS listener. 0 picks a free port.' }),
    managedIdentityPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 0,
      description:
        'Port of the plain-HTTP managed-identity listener (always on 127.0.0.1) serving /msi/token for IDENTITY_ENDPOINT. 0 picks a free port.',
    }),
    dataDirectory: Type.String({
      minLength: 1,
      default: 'data/emulator',
      description: 'Accepted rows go to <dataDirectory>/<stream>.ndjson; the generated certificate sits here too. Relative to the working directory.',
    }),
    tls: TlsSchema,
    cloud: Type.Union([Type.Literal('public'), Type.Literal('usgov'), Type.Literal('china')], {
      default: 'public',
      description: 'Token audience: public https://monitor.azure.com, usgov https://monitor.azure.us, china https://monitor.azure.cn.',
    }),
    tokenLifetimeSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 3600, description: 'Lifetime of issued access tokens (expires_in).' }),
    tenants: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Tenant ids the token endpoints serve; empty: any.' }),
    clients: Type.Array(ClientSchema, {
      default: [],
      description: 'Clients the token endpoints know, with their secrets and DCRs; empty: any client id with any secret or assertion, writing everywhere.',
    }),
    staticTokens: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Bearer tokens always accepted for every DCR (for tests and hand-written clients).',
    }),
    dcrs: Type.Array(DcrSchema, {
      default: [{ immutableId: DEFAULT_DCR_ID, template: DEFAULT_DCR_TEMPLATE, requestsPerMinute: 12_000, bytesPerMinute: 2 * GB }],
      description: 'The DCRs served.',
    }),
    undeclaredColumns: Type.Union([Type.Literal('reject'), Type.Literal('drop')], {
      default: 'reject',
      description:
        'A column the stream does not declare: reject answers 400 naming it (catches a DCR that lags the agent); drop removes it silently, as Azure does.',
    }),
    timeSpanCheck: Type.Union([Type.Literal('always'), Type.Literal('never')], {
      default: 'always',
      description: 'always: reject a call whose TimeGenerated values span more than 30 minutes with 400 RecordsTimeRangeIsMoreThan30Minutes.',
    }),
    faults: Type.Array(FaultRuleSchema, { default: [], description: 'Faults injected into ingestion requests (more at run time with injectFault).' }),
    maxStoredRequests: Type.Integer({
      minimum: 0,
      maximum: 100_000,
      default: 200,
      description: 'The most recent requests kept for inspection (requests()).',
    }),
  },
  'A local Logs Ingestion API and Entra ID emulator over HTTPS, to check a config and a DCR before touching Azure.',
);

export type EmulatorConfig = Static<typeof EmulatorSchema>;
export type FaultRule = Static<typeof FaultRuleSchema>;
export type EmulatorDcrConfig = EmulatorConfig['dcrs'][number];
export type EmulatorClientConfig = EmulatorConfig['clients'][number];

export const AUDIENCES: Record<EmulatorConfig['cloud'], string> = {
  public: 'https://monitor.azure.com',
  usgov: 'https://monitor.azure.us',
  china: 'https://monitor.azure.cn',
};

export const MAX_BODY_BYTES = 1 * MiB;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
// Compiled as the `emulator` key of an object, as it sits in asimd's config (a root default is not allowed).
const validate = ajv.compile<{ emulator: EmulatorConfig }>(Type.Object({ emulator: EmulatorSchema }, { additionalProperties: false }));
const validateFault = ajv.compile<FaultRule>(FaultRuleSchema);

/** Validates an emulator config and fills its defaults (the main config loader does the same at `emulator:`). */
export function emulatorConfig(input: unknown = {}): EmulatorConfig {
  const copy: unknown = { emulator: structuredClone(input) };
  if (validate(copy)) return copy.emulator;
  const problems = (validate.errors ?? []).map((error) => `${error.instancePath.slice(1).replaceAll('/', '.')}: ${error.message ?? 'is invalid'}`);
  throw new ConfigError('ASIMD_CONFIG_INVALID', problems);
}

/** Validates one fault rule (injectFault uses it, so a runtime rule cannot be malformed either). */
export function faultRule(input: unknown): FaultRule {
  const copy: unknown = structuredClone(input);
  if (validateFault(copy)) {
    const problems = faultRuleProblems(copy).map((problem) => `fault${problem}`);
    if (problems.length === 0) return copy;
    throw new ConfigError('ASIMD_CONFIG_INVALID', problems);
  }
  const problems = (validateFault.errors ?? []).map((error) => `fault${error.instancePath.replaceAll('/', '.')}: ${error.message ?? 'is invalid'}`);
  throw new ConfigError('ASIMD_CONFIG_INVALID', problems);
}

/** Rules the schema cannot say; one line per problem, each naming its path. */
export function emulatorConfigProblems(config: EmulatorConfig): string[] {
  const problems: string[] = [];
  if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    problems.push('emulator.tls: certFile and keyFile go together');
  }
  const seen = new Set<string>();
  config.dcrs.forEach((dcr, index) => {
    if (seen.has(dcr.immutableId)) problems.push(`emulator.dcrs[${index}].immutableId: ${dcr.immutableId} is listed twice`);
    seen.add(dcr.immutableId);
  });
  const clientIds = new Set<string>();
  config.clients.forEach((client, index) => {
    if (clientIds.has(client.clientId)) problems.push(`emulator.clients[${index}].clientId: ${client.clientId} is listed twice`);
    clientIds.add(client.clientId);
  });
  config.faults.forEach((rule, index) => problems.push(...faultRuleProblems(rule).map((problem) => `emulator.faults[${index}]${problem}`)));
  return problems;
}

export function faultRuleProblems(rule: FaultRule): string[] {
  const problems: string[] = [];
  if (rule.action === 'status' && rule.status === undefined) problems.push('.status: a status fault needs a status');
  if (rule.action === 'delay' && rule.delayMs === undefined) problems.push('.delayMs: a delay fault needs delayMs');
  return problems;
}
