import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { AsimdError } from '../errors/index.ts';

export interface EmulatorCertificate {
  cert: string;
  key: string;
  /** Where the certificate's PEM is, for NODE_EXTRA_CA_CERTS or a CA option. */
  certificateFile: string;
  /** True when it was generated (or reused from an earlier generation) rather than configured. */
  generated: boolean;
}

export const CERT_FILE_NAME = 'emulator-cert.pem';
export const KEY_FILE_NAME = 'emulator-key.pem';

const DAY_MS = 86_400_000;

/** The names a generated certificate covers: loopback always, plus the bind address when it is specific. */
function subjectAltNames(address: string): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  const names: Array<{ type: 2; value: string } | { type: 7; ip: string }> = [
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
    { type: 2, value: 'localhost' },
  ];
  const wildcard = address === '0.0.0.0' || address === '::';
  if (!wildcard && address !== '127.0.0.1' && address !== '::1' && address !== 'localhost') {
    names.push(isIP(address) ? { type: 7, ip: address } : { type: 2, value: address });
  }
  return names;
}

/** A reusable earlier certificate: still valid for a day and covering every name we need. */
function reusable(certPem: string, names: ReturnType<typeof subjectAltNames>, now: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) - now < DAY_MS) return false;
    const san = cert.subjectAltName ?? '';
    // IPv6 addresses are printed expanded (0:0:0:0:0:0:0:1); IPv4 and DNS names are enough to tell.
    return names.every((name) =>
      name.type === 7 ? isIP(name.ip) === 6 || san.includes(`IP Address:${name.ip}`) : san.includes(`DNS:${name.value}`),
    );
  } catch {
    return false;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The configured certificate, or a self-signed one. A generated certificate is
 * kept in the data directory and reused while valid, so a user trusts it once
 * (NODE_EXTRA_CA_CERTS=<dataDirectory>/emulator-cert.pem) across restarts.
 */
export async function loadCertificate(options: {
  certFile: string | undefined;
  keyFile: string | undefined;
  dataDirectory: string;
  address: string;
}): Promise<EmulatorCertificate> {
  await mkdir(options.dataDirectory, { recursive: true });
  const certificateFile = join(options.dataDirectory, CERT_FILE_NAME);
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    const certFile = resolve(options.certFile);
    const keyFile = resolve(options.keyFile);
    let cert: string;
    let key: string;
    try {
      [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    } catch (err: unknown) {
      throw new AsimdError('ASIMD_CONFIG_READ', `emulator.tls: cannot read ${certFile} or ${keyFile}`, { cause: err });
    }
    return { cert, key, certificateFile: certFile, generated: false };
  }
  const keyFile = join(options.dataDirectory, KEY_FILE_NAME);
  const names = subjectAltNames(options.address);
  const [previousCert, previousKey] = await Promise.all([readIfPresent(certificateFile), readIfPresent(keyFile)]);
  if (previousCert !== undefined && previousKey !== undefined && reusable(previousCert, names, Date.now())) {
    return { cert: previousCert, key: previousKey, certificateFile, generated: true };
  }
  const notBeforeDate = new Date(Date.now() - DAY_MS);
  const notAfterDate = new Date(Date.now() + 365 * DAY_MS);
  const pems = await generate([{ name: 'commonName', value: 'asimd emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names },
    ],
  });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  await writeFile(certificateFile, pems.cert);
  return { cert: pems.cert, key: pems.private, certificateFile, generated: true };
}
