/**
 * The bench's syslog workload: realistic lines of 200–300 bytes (most of them), generated deterministically
 * from a seed, in the mix a relay in front of a SIEM sees: RFC 5424 with and without structured data,
 * RFC 3164 (web and mail servers), CEF from firewalls, sshd and sudo. The text varies the way real logs do
 * (addresses, ports, users, URLs with query strings, quoted user agents, request ids), so it compresses
 * like real logs (about 4–6× with gzip level 1), not like loggen's padding (60×).
 *
 * Every line but the sshd/sudo ones ends with `sendts=` and 13 digits: the sender overwrites them with the
 * send time (ms since the epoch) in the rate-limited runs, and the sink reads them back from the rows to
 * measure latency. The authentication lines keep their exact OpenSSH/sudo wording, which the ASIM
 * patterns read.
 */
import { writeFileSync } from 'node:fs';

export type LineKind = 'rfc5424-sd' | 'rfc5424' | 'rfc3164' | 'cef' | 'auth';

/** Share of each kind, in percent. */
export const MIX: Readonly<Record<LineKind, number>> = { 'rfc5424-sd': 30, rfc5424: 20, rfc3164: 25, cef: 10, auth: 15 };

export const STAMP_KEY = 'sendts=';
export const STAMP_DIGITS = 13;

export interface Workload {
  /** All lines, LF-terminated. */
  data: Buffer;
  /** Byte offset just past each line's LF. */
  ends: Uint32Array;
  /** 1 when the line ends with a send-time stamp (its last 13 bytes before the LF). */
  stamped: Uint8Array;
  count: number;
  kinds: Record<LineKind, number>;
  /** A few thousand lines of each kind, as text without the LF, for per-format runs. */
  samples: Record<LineKind, string[]>;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'svc-backup', 'svc-deploy', 'root', 'admin', 'jos\u00e9.garc\u00eda', 'ops'];
const BAD_USERS = ['admin', 'test', 'oracle', 'ubuntu', 'pi', 'guest', 'postgres', 'git', 'ftpuser', 'support'];
const DOMAINS = ['intranet.example.com', 'api.example.net', 'cdn.example.org', 'login.example.com', 'files.example.net', 'shop.example.com'];
const PATHS = ['/api/v2/orders', '/api/v1/items', '/login', '/static/js/app.min.js', '/download/report.pdf', '/search', '/account/settings', '/graphql'];
const WORDS = ['invoice', 'laptop', 'vpn', 'printer', 'quarterly', 'backup', 'release', 'payroll', 'firewall', 'kubernetes', 'dashboard'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'curl/8.5.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
];
const APPS = ['haproxy', 'nginx', 'api-gateway', 'orders', 'auth-service', 'billing'];
const FACILITY_PRI = [1, 3, 4, 10, 16, 17, 18, 19, 20, 21, 22, 23];
const CEF_PRODUCTS = [
  ['Fortinet', 'FortiGate', '7.2.8'],
  ['Palo Alto Networks', 'PAN-OS', '11.1.2'],
  ['Check Point', 'VPN-1 & FireWall-1', 'R81.20'],
  ['Zscaler', 'NSSWeblog', '6.1'],
];

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * `count` lines whose timestamps run from `baseTime` over ten minutes (so any batch spans far less than the
 * Logs Ingestion API's 30 minutes), from `seed`.
 */
export function generateWorkload(count: number, baseTime: number, seed = 7): Workload {
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const ip = (): string => `${pick([10, 172, 192, 203, 198])}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const hex = (digits: number): string => {
    let out = '';
    for (let i = 0; i < digits; i++) out += '0123456789abcdef'[int(16)];
    return out;
  };
  const base64 = (chars: number): string => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let out = '';
    for (let i = 0; i < chars; i++) out += alphabet[int(64)];
    return out;
  };
  const url = (): string => `https://${pick(DOMAINS)}${pick(PATHS)}?id=${int(100000)}&q=${pick(WORDS)}${random() < 0.3 ? `&sort=${pick(['asc', 'desc'])}` : ''}`;
  const stamp = `${STAMP_KEY}${'0'.repeat(STAMP_DIGITS)}`;
  const cumulative: Array<[LineKind, number]> = [];
  let total = 0;
  for (const [kind, share] of Object.entries(MIX) as Array<[LineKind, number]>) cumulative.push([kind, (total += share)]);

  const kinds: Record<LineKind, number> = { 'rfc5424-sd': 0, rfc5424: 0, rfc3164: 0, cef: 0, auth: 0 };
  const samples: Record<LineKind, string[]> = { 'rfc5424-sd': [], rfc5424: [], rfc3164: [], cef: [], auth: [] };
  // Lines are written straight into one buffer: keeping millions of strings alive costs more in GC than
  // generating them.
  let data = Buffer.allocUnsafe(count * 320);
  let length = 0;
  const ends = new Uint32Array(count);
  const stamped = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const time = baseTime + Math.floor((i * 600_000) / count);
    const date = new Date(time);
    const iso = date.toISOString();
    const bsd = `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
    const roll = random() * total;
    const kind = (cumulative.find(([, upTo]) => roll < upTo) ?? cumulative[0] ?? ['rfc5424', 0])[0];
    const pri = (facility: number, severity: number): string => `<${facility * 8 + severity}>`;
    let line: string;
    switch (kind) {
      case 'rfc5424-sd': {
        const host = `fw-${pad2(int(40))}.example.net`;
        const action = random() < 0.8 ? 'allow' : 'deny';
        line =
          `${pri(pick(FACILITY_PRI), action === 'allow' ? 6 : 4)}1 ${iso} ${host} ${pick(APPS)} ${1000 + int(60000)} TRAFFIC ` +
          `[origin ip="${ip()}"][meta sequenceId="${i}"] action=${action} src=${ip()}:${1024 + int(64000)} dst=${ip()}:${pick([443, 80, 8443, 22, 53])} ` +
          `user="${pick(USERS)}" url="${url()}" ${stamp}`;
        break;
      }
      case 'rfc5424': {
        const status = pick([200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 503]);
        line =
          `${pri(pick(FACILITY_PRI), status >= 500 ? 3 : status >= 400 ? 4 : 6)}1 ${iso} app-${pad2(int(30))}.k8s.example.com ${pick(APPS)} ${1 + int(32000)} ACCESS - ` +
          `level=${status >= 500 ? 'error' : 'info'} request_id=${hex(16)} method=${pick(['GET', 'GET', 'POST', 'PUT', 'DELETE'])} path="${pick(PATHS)}/${int(100000)}" ` +
          `status=${status} duration_ms=${int(2500)} client=${ip()} ua="${pick(AGENTS)}" ${stamp}`;
        break;
      }
      case 'rfc3164': {
        if (random() < 0.6) {
          const request = `${pick(['GET', 'POST'])} ${pick(PATHS)}?id=${int(100000)}&q=${pick(WORDS)} HTTP/1.1`;
          line =
            `${pri(pick([16, 17, 23]), 6)}${bsd} web-${pad2(int(20))} nginx[${1000 + int(30000)}]: ${ip()} - ${random() < 0.5 ? '-' : pick(USERS)} ` +
            `"${request}" ${pick([200, 200, 304, 404, 502])} ${int(90000)} "https://${pick(DOMAINS)}/" "${pick(AGENTS)}" ${stamp}`;
        } else {
          line =
            `${pri(2, 6)}${bsd} mx-${pad2(int(4))} postfix/smtpd[${1000 + int(30000)}]: ${hex(10).toUpperCase()}: client=mail-${int(900)}.example.org[${ip()}], ` +
            `sasl_method=PLAIN, sasl_username=${pick(USERS)}@example.com, size=${int(5_000_000)}, nrcpt=${1 + int(5)} (queue active) ${stamp}`;
        }
        break;
      }
      case 'cef': {
        const [vendor, product, version] = pick(CEF_PRODUCTS) as [string, string, string];
        const deny = random() < 0.3;
        line =
          `${pri(16, deny ? 4 : 6)}${bsd} fw-${pad2(int(40))} CEF:0|${vendor}|${product}|${version}|${1000 + int(9000)}|${deny ? 'traffic denied' : 'traffic allowed'}|${deny ? 5 : 3}|` +
          `rt=${time} src=${ip()} spt=${1024 + int(64000)} dst=${ip()} dpt=${pick([443, 80, 22, 3389])} act=${deny ? 'deny' : 'accept'} ` +
          `suser=${pick(USERS)} request=${url()} msg=${deny ? 'Blocked' : 'Allowed'} ${stamp}`;
        break;
      }
      case 'auth': {
        const host = `bastion-${pad2(int(8))}`;
        const pid = 1000 + int(60000);
        const roll2 = random();
        if (roll2 < 0.35) line = `${pri(4, 6)}${bsd} ${host} sshd[${pid}]: Failed password for invalid user ${pick(BAD_USERS)} from ${ip()} port ${1024 + int(64000)} ssh2`;
        else if (roll2 < 0.55) line = `${pri(4, 6)}${bsd} ${host} sshd[${pid}]: Failed password for ${pick(USERS)} from ${ip()} port ${1024 + int(64000)} ssh2`;
        else if (roll2 < 0.75) line = `${pri(10, 6)}${bsd} ${host} sshd[${pid}]: Accepted publickey for ${pick(USERS)} from ${ip()} port ${1024 + int(64000)} ssh2: ED25519 SHA256:${base64(43)}`;
        else if (roll2 < 0.85) line = `${pri(10, 6)}${bsd} ${host} sshd[${pid}]: pam_unix(sshd:session): session opened for user ${pick(USERS)}(uid=${1000 + int(500)}) by (uid=0)`;
        else line = `${pri(10, 5)}${bsd} ${host} sudo: ${pick(USERS)} : TTY=pts/${int(9)} ; PWD=/home/${pick(USERS)} ; USER=root ; COMMAND=/usr/bin/systemctl restart ${pick(APPS)}.service`;
        break;
      }
    }
    kinds[kind]++;
    if (samples[kind].length < 4096) samples[kind].push(line);
    if (kind !== 'auth') stamped[i] = 1;
    if (length + line.length * 3 + 1 > data.length) {
      const bigger = Buffer.allocUnsafe(data.length * 2);
      data.copy(bigger, 0, 0, length);
      data = bigger;
    }
    length += data.write(line, length, 'utf8');
    data[length++] = 0x0a;
    ends[i] = length;
  }
  return { data: data.subarray(0, length), ends, stamped, count, kinds, samples };
}

/** Writes the workload's lines to a file (what the sender sends, and what a person can look at). */
export function writeWorkload(workload: Workload, file: string): void {
  writeFileSync(file, workload.data);
}
