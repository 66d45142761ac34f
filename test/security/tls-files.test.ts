// TLS from files, as deployments give it (README "Security"): a service serves the certificate
// in its tls.certFile, picks up a replaced certificate without a restart, and clients accept a
// server only with the SPIFFE ID of the service they asked for, whatever its host name.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { isPlexusError } from '../../lib/errors.js';
import { controlPlaneChannel, FileTlsSource, rootsOnlySource } from '../../lib/grpc/tls.js';
import { writeFile } from 'node:fs/promises';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import { devCertificateAuthority, issueServiceTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import type { CertificateAuthority } from '../../lib/identity/certificate-authority.js';
import { createRuntime, type Runtime } from '../../lib/runtime.js';
import { silentLogger } from '../../lib/log.js';
import { RegistryApi } from '../../lib/registry-client/registry-api.js';
import { registryOptions } from '../../services/registry/config.js';
import { startRegistry, type RegistryHandle } from '../../services/registry/registry-service.js';
import { waitFor } from '../harness/index.js';

const VIEWER = 'viewer-token-000000000000001';
let ca: CertificateAuthority;
let rootsPem: string;
let tlsDir: string;
let runtime: Runtime;
let registry: RegistryHandle;

/** The serial number of the certificate the server presents to a new connection. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'], servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

async function listAs(service: string): Promise<string> {
  const api = new RegistryApi(registry.address, { credentials: controlPlaneChannel({ tls: rootsOnlySource(rootsPem) }, service as 'registry'), token: VIEWER, deadlineMs: 3000 });
  try {
    await api.list({});
    return 'OK';
  } catch (err) {
    return isPlexusError(err) ? `${err.code}: ${err.message}` : String(err);
  } finally {
    api.close();
  }
}

before(async () => {
  const root = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-tlsfiles-ca-')));
  ({ ca, rootsPem } = await devCertificateAuthority(root, 'test'));
  tlsDir = mkdtempSync(join(tmpdir(), 'plexus-tlsfiles-'));
  const files = await writeTlsFiles(tlsDir, await issueServiceTls(ca, rootsPem, 'registry'));
  runtime = await createRuntime(
    'registry',
    { cluster: 'test', zone: 'z', instance: 'r1', logLevel: 'silent', store: { backend: 'memory' }, bus: { kind: 'memory' }, admin: { host: '127.0.0.1', port: 0 } },
    { logger: silentLogger() },
  );
  registry = await startRegistry(runtime, {
    cluster: 'test',
    zone: 'z',
    instance: 'r1',
    grpc: { host: '127.0.0.1', port: 0 },
    tls: files,
    auth: { tokens: [{ name: 'v', token: VIEWER, role: 'viewer' }], anonymous: 'none' },
    registry: registryOptions(),
  });
});

after(async () => {
  await runtime?.lifecycle.shutdown('test done');
});

describe('TLS from files', () => {
  it('clients accept the server only with the SPIFFE ID of the service they asked for', async () => {
    assert.equal(await listAs('registry'), 'OK');
    const wrong = await listAs('policy');
    assert.match(wrong, /^UNAVAILABLE: .*spiffe:\/\/plexus\.local\/ns\/plexus-system\/svc\/registry; expected spiffe:\/\/plexus\.local\/ns\/plexus-system\/svc\/policy/);
  });

  it('a replaced certificate is served to new connections without a restart', async () => {
    const before = await servedSerial(registry.port);
    await writeTlsFiles(tlsDir, await issueServiceTls(ca, rootsPem, 'registry'));
    await waitFor('the new certificate to be served', async () => (await servedSerial(registry.port)) !== before, { timeoutMs: 10_000, intervalMs: 100 });
    assert.equal(await listAs('registry'), 'OK');
  });

  it('a half-written set keeps the previous material; the next good one is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plexus-tlsfiles-src-'));
    const files = await writeTlsFiles(dir, await issueServiceTls(ca, rootsPem, 'registry'));
    const source = new FileTlsSource(files, silentLogger(), 20);
    const seen: string[] = [];
    source.onChange((m) => seen.push(m.rootsPem));
    try {
      const first = source.current!;
      await writeFile(files.caFile, 'not a certificate');
      const next = await issueServiceTls(ca, rootsPem, 'registry');
      await waitFor('the broken file to be seen and refused', () => source.rejected > 0, { timeoutMs: 5000, intervalMs: 10 });
      assert.equal(source.current, first, 'the broken set was not taken');
      await writeTlsFiles(dir, next);
      await waitFor('the good set', () => source.current?.certChainPem === next.certChainPem, { timeoutMs: 5000, intervalMs: 20 });
      assert.ok(seen.every((r) => r.includes('BEGIN CERTIFICATE')), 'no change event carried the broken file');
    } finally {
      source.close();
    }
  });
});
