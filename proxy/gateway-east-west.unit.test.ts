// East-west admission by name (authority or SNI) and the ClientHello reader: the attacker rows.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { eastWestTarget } from './gateway-east-west.js';
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from './gateway-sni.js';

const exports = new Set(['default/catalog', 'shop/cart']);

describe('east-west admission by name', () => {
  it('admits <service>.<namespace> of an exported service, with a port, in any ASCII case', () => {
    assert.deepEqual(eastWestTarget('catalog.default', exports), { ok: true, service: 'default/catalog', authority: 'catalog.default' });
    assert.deepEqual(eastWestTarget('cart.shop:15443', exports), { ok: true, service: 'shop/cart', authority: 'cart.shop' });
    assert.deepEqual(eastWestTarget('CATALOG.Default', exports), { ok: true, service: 'default/catalog', authority: 'catalog.default' });
  });

  const refused: Array<[string, string | undefined, 400 | 404]> = [
    ['missing', undefined, 400],
    ['empty', '', 400],
    ['not exported', 'pricing.default', 404],
    ['exported name in another namespace', 'catalog.shop', 404],
    ['short name', 'catalog', 400],
    ['longer form', 'catalog.default.svc.cluster.local', 400],
    ['trailing dot', 'catalog.default.', 400],
    ['IPv4 literal', '127.0.0.1', 400],
    ['IPv4 literal with port', '10.0.0.1:80', 400],
    ['IPv6 literal', '[::1]:15443', 400],
    ['userinfo', 'x@catalog.default', 400],
    ['bad port', 'catalog.default:80x', 400],
    ['empty port', 'catalog.default:', 400],
    ['two ports', 'catalog.default:1:2', 400],
    ['underscore', 'cata_log.default', 400],
    ['Kelvin sign folding to k', 'catalog.\u212Aube', 400],
    ['dotted capital I', 'cat\u0130log.default', 400],
    ['NUL', 'catalog.default\0', 400],
    ['space', 'catalog.default ', 400],
    ['oversize', `${'a'.repeat(63)}.${'b'.repeat(63)}.`.repeat(3), 400],
    ['oversize label', `${'a'.repeat(64)}.default`, 400],
  ];
  for (const [row, name, status] of refused) {
    it(`refuses: ${row}`, () => {
      const t = eastWestTarget(name, exports);
      assert.equal(t.ok, false);
      if (!t.ok) assert.equal(t.status, status, t.message);
    });
  }
});

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 255]);
function serverNameExt(name: Buffer, type = 0): Buffer {
  return Buffer.concat([u16(0), u16(name.length + 5), u16(name.length + 3), Buffer.from([type]), u16(name.length), name]);
}
/** A minimal TLS 1.2-style ClientHello record. */
function clientHello(extensions: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([0]), Buffer.from([0, 2, 0x13, 0x01]), Buffer.from([1, 0]), u16(extensions.length), extensions]);
  const hs = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 255, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(hs.length), hs]);
}

/** The first bytes node's own TLS client sends for `servername`. */
function realClientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername, rejectUnauthorized: false });
      c.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

describe('ClientHello reader', () => {
  it('reads the SNI of a real ClientHello, and waits for the rest of a partial one', async () => {
    const hello = await realClientHello('catalog.default');
    assert.deepEqual(readClientHello(hello), { kind: 'hello', sni: 'catalog.default' });
    for (const cut of [1, 4, 5, 40, hello.length - 1]) assert.deepEqual(readClientHello(hello.subarray(0, cut)), { kind: 'incomplete' }, `cut at ${cut}`);
  });

  it('reads a hand-built hello with and without server_name', () => {
    assert.deepEqual(readClientHello(clientHello(serverNameExt(Buffer.from('cart.shop')))), { kind: 'hello', sni: 'cart.shop' });
    assert.deepEqual(readClientHello(clientHello(Buffer.alloc(0))), { kind: 'hello', sni: undefined });
  });

  const bad: Array<[string, Buffer]> = [
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\nhost: catalog.default\r\n\r\n')],
    ['not TLS 3.x', Buffer.from([0x16, 2, 0, 0, 4, 1, 0, 0, 0])],
    ['record over 16 KiB', Buffer.concat([Buffer.from([0x16, 3, 1]), u16(16_385)])],
    ['not a ClientHello', Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])],
    ['hello longer than its record', Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0, 9])],
    ['truncated session id', (() => {
      const h = clientHello(Buffer.alloc(0));
      h[5 + 4 + 34] = 200;
      return h;
    })()],
    ['server name overruns its list', (() => {
      const ext = serverNameExt(Buffer.from('catalog.default'));
      ext.writeUInt16BE(60, 7);
      return clientHello(ext);
    })()],
    ['non-ASCII server name', clientHello(serverNameExt(Buffer.from('catalog.d\u00e9fault', 'utf8')))],
    ['NUL in server name', clientHello(serverNameExt(Buffer.from('catalog.default\0evil.com', 'latin1')))],
  ];
  for (const [row, bytes] of bad) {
    it(`refuses: ${row}`, () => assert.equal(readClientHello(bytes).kind, 'invalid'));
  }

  it('an oversize SNI parses and is then refused by name', () => {
    const r = readClientHello(clientHello(serverNameExt(Buffer.from(`${'a'.repeat(300)}.default`))));
    assert.equal(r.kind, 'hello');
    if (r.kind === 'hello') assert.equal(eastWestTarget(r.sni, exports).ok, false);
    assert.ok(MAX_CLIENT_HELLO_BYTES === 16_389);
  });
});
