import { Type, type Static } from '@sinclair/typebox';

/*
 * The cloud ingestion endpoints on the agent's HTTP server (sources.http).
 * Off loopback every enabled endpoint needs its authentication; the config is
 * refused otherwise (see load.ts).
 */

const MiB = 1024 * 1024;

const Section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

const enabled = (what: string) => Type.Boolean({ default: true, description: `Serve ${what}.` });

export const HttpSourcesSchema = Section(
  {
    maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 256 * MiB, default: 16 * MiB, description: 'Largest request body as received (compressed); larger → 413.' }),
    maxDecompressedBytes: Type.Integer({
      minimum: 1024,
      maximum: 1024 * MiB,
      default: 64 * MiB,
      description: 'Largest body after gzip is undone; inflating stops there and the request gets 413 (gzip bombs).',
    }),
    maxRecordsPerRequest: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Most documents (Firehose records, NDJSON lines) in one request; more → 413.' }),
    tokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Bearer tokens accepted by /v1/aws/cloudtrail and /v1/gcp/logentries (write them as ${env:NAME}). Required when the server is not on loopback.',
    }),
    cloudtrail: Section({ enabled: enabled('POST /v1/aws/cloudtrail (CloudTrail log files, plain or gzip, one or NDJSON of several)') }, 'CloudTrail log files.'),
    firehose: Section(
      {
        enabled: enabled('POST /v1/aws/firehose (the Amazon Data Firehose HTTP endpoint delivery contract)'),
        accessKeys: Type.Array(Type.String({ minLength: 16 }), {
          default: [],
          description: 'Accepted X-Amz-Firehose-Access-Key values (${env:NAME}). Required when the server is not on loopback.',
        }),
      },
      'Amazon Data Firehose deliveries: EventBridge CloudTrail events or CloudWatch Logs subscription data.',
    ),
    pubsub: Section(
      {
        enabled: enabled('POST /v1/gcp/pubsub (Pub/Sub push of Cloud Audit Logs LogEntries)'),
        audience: Type.Optional(Type.String({ minLength: 1, description: 'The audience the push subscription puts in its OIDC token (required to check tokens).' })),
        serviceAccountEmails: Type.Array(Type.String({ minLength: 3 }), {
          default: [],
          description: 'Service accounts the push subscription signs as; empty: any verified account.',
        }),
        jwksFile: Type.Optional(Type.String({ minLength: 1, description: 'JWKS file with Google\'s signing keys (https://www.googleapis.com/oauth2/v3/certs), for hosts without outbound access.' })),
        jwksUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'Where to fetch the JWKS (cached for an hour), e.g. https://www.googleapis.com/oauth2/v3/certs.' })),
        issuers: Type.Array(Type.String({ minLength: 1 }), {
          default: ['https://accounts.google.com', 'accounts.google.com'],
          description: 'Accepted `iss` values of the token.',
        }),
      },
      'Pub/Sub push. With audience and a JWKS set, every request must carry a valid Google-signed OIDC token.',
    ),
    logentries: Section({ enabled: enabled('POST /v1/gcp/logentries (LogEntry objects as a JSON array or NDJSON)') }, 'GCP LogEntries from log sink exports and replays.'),
  },
  'HTTP ingestion endpoints for cloud audit logs, on the operations server.',
);

export type HttpSourcesConfig = Static<typeof HttpSourcesSchema>;

/** True when the address only accepts connections from this host. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

/** Endpoints that would be open to the network without authentication; one line each. */
export function httpExposureProblems(config: HttpSourcesConfig, serverAddress: string): string[] {
  if (isLoopback(serverAddress)) return [];
  const problems: string[] = [];
  const reason = `server.address ${serverAddress} is not loopback`;
  if (config.cloudtrail.enabled && config.tokens.length === 0) problems.push(`sources.http.tokens: required for /v1/aws/cloudtrail, since ${reason}`);
  if (config.logentries.enabled && config.tokens.length === 0) problems.push(`sources.http.tokens: required for /v1/gcp/logentries, since ${reason}`);
  if (config.firehose.enabled && config.firehose.accessKeys.length === 0) problems.push(`sources.http.firehose.accessKeys: required, since ${reason}`);
  if (config.pubsub.enabled && (config.pubsub.audience === undefined || (config.pubsub.jwksFile === undefined && config.pubsub.jwksUrl === undefined))) {
    problems.push(`sources.http.pubsub: audience and jwksFile or jwksUrl are required, since ${reason}`);
  }
  return [...new Set(problems)];
}
