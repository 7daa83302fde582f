import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A small PKI for TLS tests: a CA, and server or client certificates it signs, written as PEM files. */
export interface Issued {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

const DAY = 86_400_000;

export async function makeCa(dir: string, name = 'asimd test CA'): Promise<Issued> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return save(dir, name, pems.cert, pems.private);
}

export async function issue(dir: string, ca: Issued, commonName: string, usage: 'server' | 'client'): Promise<Issued> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + 30 * DAY),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
      ...(usage === 'server'
        ? [{ name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }, { type: 2 as const, value: 'localhost' }] }]
        : []),
    ],
  });
  return save(dir, commonName, pems.cert, pems.private);
}

function save(dir: string, name: string, cert: string, key: string): Issued {
  const base = name.replace(/[^A-Za-z0-9]+/g, '-');
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { cert, key, certFile, keyFile };
}
