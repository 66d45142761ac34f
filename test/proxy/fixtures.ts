// Test fixtures for the data plane: resource bodies with defaults (resource-bodies.ts), tiny HTTP
// apps, statically configured proxies (no control plane: resources are applied to the proxy's
// MeshConfig in the same encoded form config-push sends), and a small HTTP client.
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MutableTlsSource } from '../../lib/grpc/tls.js';
import { ensureDevRoot } from '../../lib/identity/ca-material.js';
import type { CertificateAuthority } from '../../lib/identity/certificate-authority.js';
import { devCertificateAuthority, issueWorkloadTls, writeTlsFiles } from '../../lib/identity/service-tls.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { parseProxyConfig, type ProxyConfigInput } from '../../proxy/config/proxy-config.js';
import { MeshTls } from '../../proxy/security/mesh-tls.js';
import { startSidecar, type Sidecar } from '../../proxy/sidecar.js';

export { applyResource, endpoint, endpointsBody, inboundBody, rule, serviceBody, split } from './resource-bodies.js';

export interface TestApp {
  port: number;
  server: http.Server;
  requests: number;
  close(): Promise<void>;
}

export async function startApp(handler: (req: http.IncomingMessage, res: http.ServerResponse, app: TestApp) => void): Promise<TestApp> {
  const app: TestApp = { port: 0, server: undefined as unknown as http.Server, requests: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    app.requests++;
    handler(req, res, app);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.server = server;
  app.port = (server.address() as AddressInfo).port;
  app.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return app;
}

/** A proxy without control plane, all ports ephemeral on 127.0.0.1. */
let testCa: Promise<{ ca: CertificateAuthority; rootsPem: string }> | undefined;

/** One mesh CA per test process (a dev root in a temp dir, an intermediate in memory). */
export function testMeshCa(): Promise<{ ca: CertificateAuthority; rootsPem: string }> {
  testCa ??= ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-test-ca-'))).then((root) => devCertificateAuthority(root, 'local'));
  return testCa;
}

/** Proxy-to-proxy mTLS material for `<namespace>/<service>` (default namespace), from the test CA. */
export async function testMeshTls(service: string, namespace = 'default'): Promise<MeshTls> {
  return (await testMeshTlsSource(service, namespace)).meshTls;
}

/** The same, with the source it follows (set new material on it to rotate). */
export async function testMeshTlsSource(service: string, namespace = 'default'): Promise<{ meshTls: MeshTls; source: MutableTlsSource }> {
  const { ca, rootsPem } = await testMeshCa();
  const source = new MutableTlsSource(await issueWorkloadTls(ca, rootsPem, { namespace, service }));
  return { meshTls: new MeshTls(source, 'plexus.local'), source };
}

/** The same, written as files for a proxy process (`workloadTlsFiles`); returns its PLEXUS_* environment. */
export async function testMeshTlsEnv(service: string, namespace = 'default'): Promise<Record<string, string>> {
  const { ca, rootsPem } = await testMeshCa();
  const files = await writeTlsFiles(mkdtempSync(join(tmpdir(), `plexus-test-${service}-`)), await issueWorkloadTls(ca, rootsPem, { namespace, service }));
  return { PLEXUS_WORKLOAD_TLS_FILES__CERT_FILE: files.certFile, PLEXUS_WORKLOAD_TLS_FILES__KEY_FILE: files.keyFile, PLEXUS_WORKLOAD_TLS_FILES__CA_FILE: files.caFile };
}

export async function startStaticProxy(
  input: Omit<ProxyConfigInput, 'app'> & { appPort: number; app?: Partial<ProxyConfigInput['app']>; fastPath?: boolean; meshTls?: MeshTls },
  logger: Logger = silentLogger(),
): Promise<Sidecar> {
  const { appPort, app, fastPath, meshTls, ...rest } = input;
  const config = parseProxyConfig({
    admin: { host: '127.0.0.1', port: 0 },
    outbound: { host: '127.0.0.1', port: 0 },
    inbound: { host: '127.0.0.1', port: 0 },
    accessLog: false,
    ...rest,
    app: { host: '127.0.0.1', port: appPort, ...app },
  });
  return startSidecar(config, { controlPlane: false, logger, ...(fastPath !== undefined ? { fastPath } : {}), ...(meshTls ? { meshTls } : {}) });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One request; resolves with the whole response (never rejects on HTTP status). */
export function request(
  port: number,
  opts: { path?: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent | false; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: opts.agent ?? keepAliveAgent,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes in, whatever comes back until the peer closes (or `ms` passes). */
export function rawExchange(port: number, data: string | Buffer, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false });
    }, ms);
    s.on('connect', () => s.write(data));
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}
