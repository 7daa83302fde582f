import { Type, type Static } from '@sinclair/typebox';

/*
 * Settings of the Logs Ingestion API sink. Mounted at sink.azure in the main
 * schema; defaults and descriptions live here only.
 */

export const CLOUDS = {
  public: { authorityHost: 'https://login.microsoftonline.com', audience: 'https://monitor.azure.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', audience: 'https://monitor.azure.us' },
  china: { authorityHost: 'https://login.chinacloudapi.cn', audience: 'https://monitor.azure.cn' },
} as const;

export type CloudName = keyof typeof CLOUDS;

const TargetSchema = Type.Object(
  {
    endpoint: Type.Optional(
      Type.String({
        pattern: '^https://',
        description:
          'Logs ingestion endpoint: the DCR\'s own (kind Direct) or a data collection endpoint, e.g. https://my-dcr-abcd.eastus-1.ingest.monitor.azure.com. Leave unset to use the in-process emulator.',
      }),
    ),
    dcrImmutableId: Type.String({
      pattern: '^dcr-[0-9a-f]{32}$',
      description: 'Immutable id of the data collection rule (dcr- and 32 hex digits; not the ARM resource id).',
    }),
    tables: Type.Optional(
      Type.Array(Type.Union(['syslog', 'commonSecurityLog', 'asimAuthentication', 'awsCloudTrail', 'gcpAuditLogs', 'asimAuditEvent'].map((key) => Type.Literal(key))), {
        minItems: 1,
        description: 'Tables this target takes (keys of `streams`); unset = all. A table listed on several targets is spread across them.',
      }),
    ),
  },
  { additionalProperties: false },
);

const AuthSchema = Type.Object(
  {
    type: Type.Union(
      [
        Type.Literal('client-secret'),
        Type.Literal('client-certificate'),
        Type.Literal('managed-identity'),
        Type.Literal('workload-identity'),
        Type.Literal('static-token'),
      ],
      {
        default: 'client-secret',
        description:
          'How asimd gets Entra ID tokens: client-secret or client-certificate (app registration), managed-identity (Azure VM, App Service, Arc), workload-identity (Kubernetes federated token file), or static-token (tests only).',
      },
    ),
    tenantId: Type.Optional(Type.String({ minLength: 1, description: 'Directory (tenant) id of the app registration.' })),
    clientId: Type.Optional(
      Type.String({ minLength: 1, description: 'Application (client) id; for managed-identity, the client id of a user-assigned identity.' }),
    ),
    clientSecret: Type.Optional(Type.String({ minLength: 1, description: 'Client secret. Write it as ${env:NAME}, never in the file.' })),
    certificateFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM file with the client certificate and its private key (client-certificate).' }),
    ),
    tokenFile: Type.Optional(
      Type.String({ minLength: 1, description: 'Federated token file (workload-identity); defaults to AZURE_FEDERATED_TOKEN_FILE.' }),
    ),
    token: Type.Optional(Type.String({ minLength: 1, description: 'A fixed bearer token (static-token; tests only). Use ${env:NAME}.' })),
    authorityHost: Type.Optional(
      Type.String({ pattern: '^https://', description: 'Overrides the cloud\'s Entra ID authority host (e.g. a local emulator).' }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Entra ID authentication.' },
);

export const AzureSinkSchema = Type.Object(
  {
    cloud: Type.Union([Type.Literal('public'), Type.Literal('usgov'), Type.Literal('china')], {
      default: 'public',
      description: 'Azure cloud: sets the token audience (monitor.azure.com/.us/.cn) and the Entra ID authority.',
    }),
    targets: Type.Array(TargetSchema, {
      minItems: 1,
      default: [{ dcrImmutableId: 'dcr-00000000000000000000000000000000' }],
      description:
        'Where rows go: one entry per data collection rule. One entry is the usual setup; list several to spread a table over several DCRs (each takes about 2 GB/min and 12,000 requests/min).',
    }),
    auth: AuthSchema,
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'Extra CA certificate (PEM) to trust for the endpoint and authority, e.g. an emulator\'s.' })),
    concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Requests in flight per DCR target.' }),
    compressionLevel: Type.Integer({ minimum: 1, maximum: 9, default: 1, description: 'gzip level of request bodies (1 is fastest; bodies are JSON and compress well at any level).' }),
    requestTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000, description: 'A request without an answer for this long is retried.' }),
    configErrorRetryDelayMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      default: 60_000,
      description: 'Retry delay after 403/404 (role not yet assigned, wrong DCR id, stream or endpoint): data is kept, /readyz reports the problem.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Azure Monitor Logs Ingestion API sink.' },
);

export type AzureSinkConfig = Static<typeof AzureSinkSchema>;
export type AzureTarget = AzureSinkConfig['targets'][number];
