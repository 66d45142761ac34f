// Subset fallback on a retry (issue 13): a 100/0 split whose v1 instance hangs (a frozen
// sidecar). The route picks v1; while the try waits, v1's endpoint is removed (the registry
// expired it), so the retry finds the v1 subset empty. It must go to v2, the rule's other
// destination, not answer 503 "no healthy upstream": the fault suite saw three such failures at
// the moment a canary's v1 sidecar froze.
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Sidecar } from '../../proxy/sidecar.js';
import { applyResource, endpoint, endpointsBody, request, rule, serviceBody, startApp, startStaticProxy, type TestApp } from './fixtures.js';

let caller: Sidecar;
let v2: TestApp;
let frozen: net.Server;
let frozenPort: number;
const held: net.Socket[] = [];
let connected: (() => void) | undefined;

before(async () => {
  v2 = await startApp((_q, r) => r.end('v2'));
  // Accepts connections and never answers, like a SIGSTOPped sidecar's (kernel-accepted) port.
  frozen = net.createServer((s) => {
    held.push(s);
    connected?.();
  });
  await new Promise<void>((r) => frozen.listen(0, '127.0.0.1', () => r()));
  frozenPort = (frozen.address() as AddressInfo).port;
  caller = await startStaticProxy({ service: 'caller', appPort: 1 });
});

after(async () => {
  await caller?.close();
  await v2?.close();
  for (const s of held) s.destroy();
  await new Promise<void>((r) => frozen.close(() => r()));
});

describe('subset fallback when a retry finds its subset emptied', () => {
  it('sends the retry to the other destination of the rule', async () => {
    applyResource(caller.mesh, 'Service', serviceBody('default/catalog', {
      retries: { attempts: 2, perTryTimeoutMs: 300, retryOn: ['connect-failure', 'gateway-error', 'reset'], backoff: { baseMs: 1, maxMs: 5 } },
      routes: [rule({ destinations: [{ subset: { version: 'v1' }, weight: 100 }, { subset: { version: 'v2' }, weight: 0 }] })],
    }));
    const both = [endpoint('v1', frozenPort, { labels: { version: 'v1' } }), endpoint('v2', v2.port, { labels: { version: 'v2' } })];
    applyResource(caller.mesh, 'Endpoints', endpointsBody('default/catalog', both));
    const reached = new Promise<void>((r) => (connected = r));
    const reply = request(caller.ports.outbound, { headers: { host: 'catalog' } });
    await reached;
    // v1 expires while its try hangs: only v2 is left when the per-try timeout retries.
    applyResource(caller.mesh, 'Endpoints', endpointsBody('default/catalog', [both[1]!]));
    const r = await reply;
    assert.equal(r.status, 200, `${r.status} ${String(r.headers['x-plexus-flags'])} ${r.body}`);
    assert.equal(r.body, 'v2');
  });
});
