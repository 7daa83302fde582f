import { readFileSync } from 'node:fs';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import { ConfigError } from '../../errors/index.ts';
import { CLOUDS, type AzureSinkConfig } from './config.ts';

export interface CredentialContext {
  /** Trusted CAs for the authority (system roots plus an extra CA, if any). */
  ca: string[] | undefined;
}

type Auth = AzureSinkConfig['auth'];

/** A token that never changes: for tests and for tokens minted elsewhere. */
class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: this.token, expiresOnTimestamp: Date.now() + 365 * 24 * 3600 * 1000 });
  }
}

function required(auth: Auth, keys: ReadonlyArray<keyof Auth>): string[] {
  const missing = keys.filter((key) => auth[key] === undefined).map((key) => `sink.azure.auth.${key}: required for auth type ${auth.type}`);
  if (missing.length) throw new ConfigError('ASIMD_CONFIG_INVALID', missing);
  return keys.map((key) => String(auth[key]));
}

/** One line per auth type. Each call makes a fresh credential, so a 401 can bypass any cached token. */
const FACTORIES: Record<Auth['type'], (config: AzureSinkConfig, context: CredentialContext) => TokenCredential> = {
  'client-secret': (config, context) => {
    const [tenantId, clientId, secret] = required(config.auth, ['tenantId', 'clientId', 'clientSecret']) as [string, string, string];
    return new ClientSecretCredential(tenantId, clientId, secret, identityOptions(config, context));
  },
  'client-certificate': (config, context) => {
    const [tenantId, clientId, certificatePath] = required(config.auth, ['tenantId', 'clientId', 'certificateFile']) as [string, string, string];
    return new ClientCertificateCredential(tenantId, clientId, { certificatePath }, identityOptions(config, context));
  },
  'managed-identity': (config, context) =>
    config.auth.clientId
      ? new ManagedIdentityCredential({ clientId: config.auth.clientId, ...identityOptions(config, context) })
      : new ManagedIdentityCredential(identityOptions(config, context)),
  'workload-identity': (config, context) =>
    new WorkloadIdentityCredential({
      ...identityOptions(config, context),
      ...(config.auth.tenantId ? { tenantId: config.auth.tenantId } : {}),
      ...(config.auth.clientId ? { clientId: config.auth.clientId } : {}),
      ...(config.auth.tokenFile ? { tokenFilePath: config.auth.tokenFile } : {}),
    }),
  'static-token': (config) => {
    const [token] = required(config.auth, ['token']) as [string];
    return new StaticTokenCredential(token);
  },
};

function identityOptions(config: AzureSinkConfig, context: CredentialContext) {
  const authorityHost = config.auth.authorityHost ?? CLOUDS[config.cloud].authorityHost;
  return {
    authorityHost,
    // A custom authority (sovereign proxy, emulator) is not in MSAL's list of
    // known hosts; without this it asks the public cloud, which fails offline.
    disableInstanceDiscovery: config.auth.authorityHost !== undefined,
    ...(context.ca ? { tlsOptions: { ca: context.ca } } : {}),
  };
}

export function createCredential(config: AzureSinkConfig, context: CredentialContext): TokenCredential {
  return FACTORIES[config.auth.type](config, context);
}

/** Fails at start, not on the first batch, when a configured file is unreadable. */
export function checkAuthFiles(config: AzureSinkConfig): void {
  for (const key of ['certificateFile', 'tokenFile'] as const) {
    const file = config.auth[key];
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (err) {
      throw new ConfigError('ASIMD_CONFIG_INVALID', [`sink.azure.auth.${key}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }
}

export function scopeOf(config: AzureSinkConfig): string {
  return `${CLOUDS[config.cloud].audience}/.default`;
}
