// lib/net.ts: the listening reports a launcher reads from a child's stdout (only well-formed
// lines count: whatever else a child prints, however mangled, is ignored), and ports for
// third-party servers from outside the kernel's ephemeral range.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { canBind, ephemeralPortRange, LISTENING_PREFIX, parseListeningLines, portsOutsideEphemeralRange } from '../../lib/net.js';

void describe('listening reports', () => {
  void it('reads well-formed lines among other output', () => {
    const text = [
      '{"level":"info","msg":"starting"}',
      `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":41234}`,
      'plain text',
      `${LISTENING_PREFIX}{"name":"grpc","host":"127.0.0.1","port":41235}`,
      '',
    ].join('\n');
    assert.deepEqual(parseListeningLines(text), [
      { name: 'admin', host: '127.0.0.1', port: 41234 },
      { name: 'grpc', host: '127.0.0.1', port: 41235 },
    ]);
  });

  // The attacker table: what a confused or hostile child could print.
  const rows: Array<[string, string]> = [
    ['not JSON', `${LISTENING_PREFIX}{name:admin`],
    ['port 0', `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":0}`],
    ['port above 65535', `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":70000}`],
    ['negative port', `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":-1}`],
    ['fractional port', `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":1.5}`],
    ['port as a string', `${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":"41234"}`],
    ['no name', `${LISTENING_PREFIX}{"host":"127.0.0.1","port":41234}`],
    ['name not a string', `${LISTENING_PREFIX}{"name":{"x":1},"host":"127.0.0.1","port":41234}`],
    ['no host', `${LISTENING_PREFIX}{"name":"admin","port":41234}`],
    ['JSON null', `${LISTENING_PREFIX}null`],
    ['JSON array', `${LISTENING_PREFIX}[1,2]`],
    ['prefix not at the start', ` ${LISTENING_PREFIX}{"name":"admin","host":"127.0.0.1","port":41234}`],
    ['a log line quoting the prefix', `{"msg":"${LISTENING_PREFIX}{\\"name\\":\\"admin\\",\\"host\\":\\"h\\",\\"port\\":1}"}`],
    ['huge garbage', `${LISTENING_PREFIX}${'{'.repeat(100_000)}`],
  ];
  for (const [what, line] of rows) {
    void it(`ignores ${what}`, () => {
      assert.deepEqual(parseListeningLines(`${line}\n`), []);
    });
  }
});

void describe('ports outside the ephemeral range', () => {
  void it('are outside /proc/sys/net/ipv4/ip_local_port_range, distinct, and bindable', async () => {
    const { low, high } = ephemeralPortRange();
    assert.ok(low > 0 && high >= low);
    const ports = await portsOutsideEphemeralRange(20);
    assert.equal(new Set(ports).size, 20);
    for (const p of ports) assert.ok((p < low || p > high) && p >= 16_000 && p <= 65_535, `port ${p} outside ${low}-${high}`);
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(ports[0], '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });

  void it('the bind check refuses a port something listens on', async () => {
    const [port] = await portsOutsideEphemeralRange(1);
    assert.equal(await canBind(port!, '127.0.0.1'), true);
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    try {
      assert.equal(await canBind(port!, '127.0.0.1'), false);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});
