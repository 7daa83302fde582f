import t from 'tap';
import { networkProblems, senderFilter } from '../../src/sources/allowed-networks.ts';

// [allowed networks, sender, allowed?]
const CASES: Array<[string[], string, boolean]> = [
  [['10.0.0.0/8'], '10.1.2.3', true],
  [['10.0.0.0/8'], '11.1.2.3', false],
  [['10.0.0.0/8'], '::ffff:10.9.9.9', true],
  [['192.168.1.7'], '192.168.1.7', true],
  [['192.168.1.7'], '192.168.1.8', false],
  [['2001:db8::/32'], '2001:db8::1', true],
  [['2001:db8::/32'], '2001:db9::1', false],
  [['127.0.0.1', 'fd00::/8'], 'fd12::5', true],
  [['0.0.0.0/0'], '203.0.113.9', true],
];

for (const [networks, sender, expected] of CASES) {
  void t.test(`${JSON.stringify(networks)} ${expected ? 'allows' : 'refuses'} ${sender}`, async (t) => {
    const allowed = senderFilter(networks);
    t.equal(allowed?.(sender), expected);
  });
}

void t.test('an empty list allows everyone (no filter at all)', async (t) => {
  t.equal(senderFilter([]), undefined);
});

void t.test('bad entries are config problems naming their path', async (t) => {
  t.same(networkProblems(['10.0.0.0/8', '10.0.0.0/33', 'example.com', '1.2.3.4/8/9', 'fd00::/129'], 'sources.syslog.allowedNetworks'), [
    'sources.syslog.allowedNetworks[1]: "10.0.0.0/33" is not an IP address or CIDR network',
    'sources.syslog.allowedNetworks[2]: "example.com" is not an IP address or CIDR network',
    'sources.syslog.allowedNetworks[3]: "1.2.3.4/8/9" is not an IP address or CIDR network',
    'sources.syslog.allowedNetworks[4]: "fd00::/129" is not an IP address or CIDR network',
  ]);
});
