// A peer's NATS link credentials on real servers (nats-server 2.9.10): west's leaf connection to
// east runs TLS with a client certificate whose SPIFFE ID east lists as a leaf user
// (lib/process/nats-link.ts, deploy/local/leaf-credentials.ts). Every other way in is refused
// (attacker table below), and the operator's rotation (hub accepts old + new, spoke's files
// replaced, hub accepts only the new, link redials) needs no process restart and never drops
// the imports.
//
// | attacker                                                        | refused by                              |
// |-----------------------------------------------------------------|-----------------------------------------|
// | leaf without a client certificate                               | TLS handshake (client cert required)    |
// | leaf with the listed identity, signed by another CA             | TLS handshake (unknown authority)       |
// | leaf with a certificate of our CA, identity not listed          | authorization (verify_and_map)          |
// | leaf with the rotated-out (old) certificate                     | authorization (identity removed)        |
// | client on the hub's client port naming a leaf identity as user  | authorization (LEAFNODE connections only)|
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { issueLeafLinkCredentials, rotateLeafCredentials, type LeafLinkCredentials } from '../../deploy/local/leaf-credentials.js';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { devCertificateAuthority, issueWorkloadTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import { CONTROL_PLANE_NAMESPACE } from '../../lib/model/names.js';
import { startLinkedNats, type LeafRemote } from '../../lib/process/nats-link.js';
import { waitFor } from '../harness/index.js';
import { FAST, endpoints, exportService, leafConnected, register, startTwoClusters, type TwoClusters } from './support.js';

interface Leafz {
  leafnodes: number;
  leafs: Array<{ port: number }>;
}

describe('federation: NATS link credentials and their rotation without a restart', { timeout: 180_000 }, () => {
  let c: TwoClusters;
  let dir: string;
  let creds: LeafLinkCredentials;

  const leafz = async (): Promise<Leafz> => (await (await fetch(`${c.east.nats.monitorUrl}/leafz`)).json()) as Leafz;
  const eastCatalogAtWest = () => endpoints(c.west, 'catalog').filter((e) => e.cluster === 'east');

  /** A nats-server dialling east's leaf port with `tls`: resolves with why east refused it (east's or its own log). */
  const intrude = async (name: string, tls: LeafRemote['tls']): Promise<string> => {
    const HANDSHAKE = /TLS leafnode handshake error: [^\n]*/g;
    const handshakeErrors = () => c.east.nats.process.tail(100).match(HANDSHAKE) ?? [];
    const seen = handshakeErrors().length;
    const intruder = await startLinkedNats({ domain: name, leafRemotes: [{ url: c.east.nats.leafUrl!, ...(tls ? { tls } : {}) }] });
    try {
      let reason = '';
      await waitFor(`east to refuse ${name}`, () => {
        reason = /Authorization Violation/.exec(intruder.process.tail(50))?.[0] ?? handshakeErrors()[seen] ?? '';
        return reason !== '';
      }, { timeoutMs: 15_000, intervalMs: 50 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${name}: ${intruder.process.tail(8)}\neast: ${c.east.nats.process.tail(8)}`);
      });
      assert.equal((await leafz()).leafnodes, 1, `${name}: only west is linked`);
      return reason;
    } finally {
      await intruder.stop();
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-fed-creds-'));
    creds = await issueLeafLinkCredentials(join(dir, 'leaf'), await ensureDevRoot(join(dir, 'ca')), 'east', 'west');
    c = await startTwoClusters(FAST, { credentials: creds });
    await c.startFederation(c.east, 'west');
    await c.startFederation(c.west, 'east');
    await register(c.east, 'catalog', 'catalog-e1', 9001);
    await exportService(c.east, 'catalog');
    await waitFor('west to import east catalog over the authenticated link', () => eastCatalogAtWest().length === 1);
  });
  after(async () => {
    await c?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses every other way in: no certificate, another CA, an unlisted identity, a leaf identity as a client', async () => {
    assert.equal((await leafz()).leafnodes, 1);
    // Trusts east's server certificate, presents none.
    assert.match(await intrude('nocert', { caFile: creds.spoke.caFile }), /didn't provide a certificate/);
    // Trusts east's server certificate, but its own comes from another root.
    const other = await devCertificateAuthority(await ensureDevRoot(join(dir, 'other-ca')), 'west');
    const forged = await issueWorkloadTls(other.ca, creds.rootsPem, { namespace: CONTROL_PLANE_NAMESPACE, service: creds.identity.split('/').pop()! });
    assert.match(await intrude('forged', { ...(await writeTlsFiles(join(dir, 'forged'), forged)), caFile: creds.spoke.caFile }), /failed to verify client certificate/);
    const unlisted = await issueWorkloadTls(creds.ca, creds.rootsPem, { namespace: CONTROL_PLANE_NAMESPACE, service: 'nats-leaf-west-unlisted' });
    assert.match(await intrude('unlisted', await writeTlsFiles(join(dir, 'unlisted'), unlisted)), /Authorization Violation/);
    await assert.rejects(connect({ servers: c.east.nats.url, user: creds.identity, pass: '', reconnect: false }), /Authorization Violation/);
    // West's link is untouched.
    await leafConnected(c.east, c.west);
  });

  it('rotates west\'s credentials: no process restarted, imports never dropped, the old certificate refused afterwards', async () => {
    const oldFiles = { certFile: join(dir, 'old', 'tls.crt'), keyFile: join(dir, 'old', 'tls.key'), caFile: creds.spoke.caFile };
    await cp(join(dir, 'leaf', 'spoke'), join(dir, 'old'), { recursive: true });
    const pids = [c.east.nats.process.pid, c.west.nats.process.pid];
    const before = (await leafz()).leafs[0]!.port;
    const oldIdentity = creds.identity;
    let fewest = Infinity;
    let staleSeen = 0;
    const sampler = setInterval(() => {
      const eps = eastCatalogAtWest();
      fewest = Math.min(fewest, eps.length);
      if (eps.some((e) => e.stale)) staleSeen++;
    }, 20);
    let reconnectAt = 0;
    try {
      const identity = await rotateLeafCredentials(creds, c.east.nats, c.west.nats, {
        after: async (step) => {
          // Reloads never drop the established link.
          const z = await leafz();
          assert.deepEqual([z.leafnodes, z.leafs[0]?.port], [1, before], `after ${step}`);
        },
        reconnect: () => {
          reconnectAt = Date.now();
          c.link.cut();
          c.link.restore();
        },
      });
      assert.notEqual(identity, oldIdentity);
      await waitFor('west to dial again (with the new certificate: the only identity east accepts now)', async () => {
        const z = await leafz();
        return z.leafnodes === 1 && z.leafs[0]!.port !== before;
      }, { timeoutMs: 15_000, intervalMs: 50 });
      console.log(`link back on the new certificate ${Date.now() - reconnectAt} ms after the reconnect`);
      await leafConnected(c.east, c.west);
      await register(c.east, 'catalog', 'catalog-e2', 9002);
      await waitFor('a change in east to reach west over the re-established link', () => eastCatalogAtWest().length === 2 && eastCatalogAtWest().every((e) => !e.stale));
    } finally {
      clearInterval(sampler);
    }
    console.log(`imports during the rotation: never fewer than ${fewest}; marked stale in ${staleSeen} samples of 20 ms`);
    assert.ok(fewest >= 1, 'east catalog imported at west all along');
    assert.deepEqual([c.east.nats.process.pid, c.west.nats.process.pid], pids, 'no nats-server restarted');
    assert.match(await intrude('old-cert', oldFiles), /Authorization Violation/);
  });
});
