import t from 'tap';
import { kernelUdpDrops } from '../../src/sources/syslog-udp.ts';

const fixture = new URL('../fixtures/proc/net-udp.txt', import.meta.url).pathname;

void t.test('reads the drop column of the socket bound to the port', async (t) => {
  t.equal(kernelUdpDrops(5514, [fixture]), 17, 'port 5514 = 0x158A');
  t.equal(kernelUdpDrops(514, [fixture]), 5, 'port 514 = 0x0202');
  t.equal(kernelUdpDrops(57769, [fixture]), 0);
  t.equal(kernelUdpDrops(9999, [fixture]), 0, 'no such socket');
  t.equal(kernelUdpDrops(5514, ['/nonexistent/proc/net/udp']), 0, 'no /proc: nothing to report');
});
