import { Type, type Static } from '@sinclair/typebox';

/*
 * Settings of the syslog source and its listeners. The policy options (allowed
 * networks, time zone, outputs, filters) are set for the source and may be
 * overridden per listener (udp, tcp, tls).
 */

const KiB = 1024;
const MiB = 1024 * KiB;

const Section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

/** Facility names as Sentinel writes them (reference/sentinel-tables.md §3). */
export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

export const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** Outputs and filters, with defaults for the source, or without (every key optional) for a listener's override. */
function outputsSchema(withDefaults: boolean) {
  const flag = (fallback: boolean, description: string) =>
    withDefaults ? Type.Boolean({ default: fallback, description }) : Type.Optional(Type.Boolean({ description }));
  return Type.Object(
    {
      syslog: flag(true, 'Every message becomes a Syslog row (CEF messages only with cefToSyslog).'),
      commonSecurityLog: flag(true, 'CEF messages become CommonSecurityLog rows.'),
      cefToSyslog: flag(false, 'CEF messages also become Syslog rows (they go to CommonSecurityLog only by default).'),
      asimAuthentication: flag(true, 'sshd, sudo and su messages also become ASIM Authentication rows.'),
    },
    withDefaults
      ? { additionalProperties: false, default: {}, description: 'Which rows the messages of this source produce.' }
      : { additionalProperties: false, description: 'Overrides sources.syslog.outputs, key by key, for this listener.' },
  );
}

function filtersSchema(withDefaults: boolean) {
  const facilities = {
    uniqueItems: true,
    description: "Keep only these facilities (as a DCR's syslog data source does); empty: all.",
  };
  const facilityList = Type.Array(Type.Union(FACILITY_NAMES.map((name) => Type.Literal(name))), withDefaults ? { ...facilities, default: [] } : facilities);
  const minimum = { description: 'Keep messages of this severity or more severe (e.g. warning keeps emerg … warning).' };
  const severity = Type.Union(SEVERITY_NAMES.map((name) => Type.Literal(name)), withDefaults ? { ...minimum, default: 'debug' } : minimum);
  return Type.Object(
    withDefaults ? { facilities: facilityList, minimumSeverity: severity } : { facilities: Type.Optional(facilityList), minimumSeverity: Type.Optional(severity) },
    withDefaults
      ? { additionalProperties: false, default: {}, description: 'Messages filtered out are counted (asimd_messages_filtered_total), not shipped.' }
      : { additionalProperties: false, description: 'Overrides sources.syslog.filters, key by key, for this listener.' },
  );
}

/** The policy options, with defaults, as set for the whole source. */
const policyProperties = {
  allowedNetworks: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'Senders allowed, as addresses or CIDR networks (IPv4 or IPv6, e.g. 10.0.0.0/8); empty: any. Others are refused and counted (TCP/TLS: connection closed; UDP: datagram dropped with reason sender_not_allowed).',
  }),
  timeZone: Type.String({
    minLength: 1,
    default: 'UTC',
    description: 'Time zone of timestamps without an offset (RFC 3164): an IANA name such as Europe/Berlin, or an offset such as +02:00.',
  }),
  outputs: outputsSchema(true),
  filters: filtersSchema(true),
};

/** The same options without defaults: a listener that sets one overrides the source's. */
const policyOverrides = {
  allowedNetworks: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Overrides sources.syslog.allowedNetworks for this listener.' })),
  timeZone: Type.Optional(Type.String({ minLength: 1, description: 'Overrides sources.syslog.timeZone for this listener.' })),
  outputs: Type.Optional(outputsSchema(false)),
  filters: Type.Optional(filtersSchema(false)),
};

const connectionLimits = {
  maxConnections: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1024,
    description: 'Connections beyond this are closed at once and counted (asimd_tcp_connections_rejected_total).',
  }),
  idleTimeoutMs: Type.Integer({ minimum: 0, default: 600_000, description: 'Close a connection that has sent nothing for this long; 0 disables the timeout.' }),
};

const UdpSchema = Section(
  {
    enabled: Type.Boolean({ default: true, description: 'Listen for syslog over UDP (one message per datagram).' }),
    address: Type.Optional(Type.String({ minLength: 1, description: 'Overrides sources.syslog.address for UDP.' })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Overrides sources.syslog.port for UDP.' })),
    receiveBufferBytes: Type.Integer({
      minimum: 64 * KiB,
      maximum: 1024 * MiB,
      default: 8 * MiB,
      description:
        'SO_RCVBUF for the UDP socket. The kernel caps it at net.core.rmem_max; a larger buffer absorbs bursts that would otherwise be dropped by the kernel before asimd sees them.',
    }),
    ...policyOverrides,
  },
  'Syslog over UDP.',
);

const TcpSchema = Section(
  {
    enabled: Type.Boolean({ default: true, description: 'Listen for syslog over TCP (LF framing or RFC 6587 octet counting, detected per connection).' }),
    address: Type.Optional(Type.String({ minLength: 1, description: 'Overrides sources.syslog.address for TCP.' })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Overrides sources.syslog.port for TCP.' })),
    ...connectionLimits,
    ...policyOverrides,
  },
  'Syslog over TCP.',
);

const TlsSchema = Section(
  {
    enabled: Type.Boolean({ default: false, description: 'Listen for syslog over TLS (RFC 5425: octet counting; LF framing is accepted too).' }),
    address: Type.Optional(Type.String({ minLength: 1, description: 'Overrides sources.syslog.address for TLS.' })),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 6514, description: 'Port of the TLS listener (RFC 5425 registers 6514). 0 picks a free port.' }),
    certFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate chain of the listener. Required when TLS is enabled.' })),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of certFile. Required when TLS is enabled.' })),
    clientCaFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA certificates that sign client certificates; with requireClientCertificate, senders must present one (mTLS).' }),
    ),
    requireClientCertificate: Type.Boolean({
      default: false,
      description: 'Mutual TLS: refuse senders without a client certificate signed by clientCaFile. Refusals are counted (asimd_tls_handshake_failures_total).',
    }),
    minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')], { default: 'TLSv1.2', description: 'Oldest TLS version accepted.' }),
    watchFiles: Type.Boolean({
      default: true,
      description: 'Reload certFile, keyFile and clientCaFile when they change (SIGHUP reloads too), without dropping connections.',
    }),
    ...connectionLimits,
    ...policyOverrides,
  },
  'Syslog over TLS.',
);

export const SyslogSourceSchema = Section(
  {
    address: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address the listeners bind.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 5514, description: 'Port the UDP and TCP listeners bind. 0 picks a free port.' }),
    maxMessageBytes: Type.Integer({
      minimum: 480,
      maximum: 1 * MiB,
      default: 64 * KiB,
      description: 'Longest message kept. Longer messages are truncated to this size, flagged (AsimdFlags "truncated") and counted, never dropped.',
    }),
    ...policyProperties,
    udp: UdpSchema,
    tcp: TcpSchema,
    tls: TlsSchema,
  },
  'Syslog receiver (RFC 5424, RFC 3164 and what devices really send) on UDP, TCP and TLS listeners.',
);

export type SyslogSourceConfig = Static<typeof SyslogSourceSchema>;
export type ListenerName = 'udp' | 'tcp' | 'tls';

/** What one listener applies to its messages: the source's policy with the listener's overrides. */
export interface ListenerPolicy {
  allowedNetworks: string[];
  timeZone: string;
  outputs: SyslogSourceConfig['outputs'];
  filters: SyslogSourceConfig['filters'];
}

export function policyOf(config: SyslogSourceConfig, listener: ListenerName): ListenerPolicy {
  const own = config[listener];
  return {
    allowedNetworks: own.allowedNetworks ?? config.allowedNetworks,
    timeZone: own.timeZone ?? config.timeZone,
    outputs: { ...config.outputs, ...own.outputs },
    filters: { ...config.filters, ...own.filters },
  };
}
