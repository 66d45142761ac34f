// What a proxy keeps in memory is mostly the code it loaded: a proxy without a control plane
// (static config) and without tracing must not load the gRPC stack, protobuf, X.509 or the
// OpenTelemetry SDK (proxy-core.ts and lib/tracing load them on first use); no proxy loads
// prom-client (its metrics are written by lib/metrics) or, without a config file, the YAML
// parser. Checked in a fresh process, since this one may have loaded them for other tests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// Straight from the proxy's own modules: the test fixtures load TLS and X.509 helpers themselves.
const SIDECAR = fileURLToPath(new URL('../../proxy/sidecar.ts', import.meta.url));
const PROXY_CONFIG = fileURLToPath(new URL('../../proxy/config/proxy-config.ts', import.meta.url));
const LOG = fileURLToPath(new URL('../../lib/log.ts', import.meta.url));

/** Starts one proxy in a child process and returns the CommonJS packages it has loaded. */
async function packagesLoaded(proxyInput: Record<string, unknown>): Promise<string[]> {
  const script = `
    import Module from 'node:module';
    const { startSidecar } = await import(${JSON.stringify(SIDECAR)});
    const { parseProxyConfig } = await import(${JSON.stringify(PROXY_CONFIG)});
    const { silentLogger } = await import(${JSON.stringify(LOG)});
    const loopback = { host: '127.0.0.1', port: 0 };
    const config = parseProxyConfig({ admin: loopback, outbound: loopback, inbound: loopback, accessLog: false, app: { host: '127.0.0.1', port: 1 }, ...${JSON.stringify(proxyInput)} });
    const proxy = await startSidecar(config, { controlPlane: false, logger: silentLogger() });
    const packages = new Set();
    for (const file of Object.keys(Module._cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
      if (m) packages.add(m[1]);
    }
    await proxy.close();
    process.stdout.write(JSON.stringify([...packages]));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, err);
  return JSON.parse(out) as string[];
}

const HEAVY = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', '@peculiar/x509', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', 'prom-client', 'yaml'];

describe('proxy footprint', () => {
  it('a static proxy with tracing off loads no gRPC, protobuf, X.509, OpenTelemetry SDK, prom-client or YAML code', async () => {
    const loaded = await packagesLoaded({ service: 'footprint' });
    assert.ok(loaded.includes('pino'), `the probe sees CommonJS packages (${loaded.join(', ')})`);
    assert.deepEqual(HEAVY.filter((p) => loaded.includes(p)), []);
  });

  it('with a collector configured, the tracing SDK is loaded', async () => {
    const loaded = await packagesLoaded({ service: 'footprint', tracing: { otlpEndpoint: 'http://127.0.0.1:9/v1/traces' } });
    assert.ok(loaded.includes('@opentelemetry/sdk-trace-base'), loaded.join(', '));
    assert.ok(!loaded.includes('@grpc/grpc-js'), loaded.join(', '));
  });
});
