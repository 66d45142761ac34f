// A demo app as its own process (deploy/local):
//   node --import tsx deploy/demo/main.ts --role catalog --version v2 --port 9001 --outbound http://127.0.0.1:15001
import { parseArgs } from 'node:util';
import { runMain } from '../../lib/lifecycle.js';
import { startDemoApp, type DemoRole } from './demo-app.js';

runMain('demo-app', async () => {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      version: { type: 'string', default: 'v1' },
      instance: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      outbound: { type: 'string' },
    },
    strict: true,
  });
  const role = values.role as DemoRole | undefined;
  if (role !== 'frontend' && role !== 'catalog' && role !== 'pricing') throw new Error('--role must be frontend, catalog or pricing');
  if (role !== 'pricing' && !values.outbound) throw new Error(`--outbound (the sidecar's outbound URL) is required for ${role}`);
  const app = await startDemoApp({
    role,
    version: values.version,
    instance: values.instance ?? `${role}-${values.version}-${process.pid}`,
    host: values.host,
    port: Number(values.port),
    ...(values.outbound ? { outboundProxy: values.outbound } : {}),
  });
  process.stdout.write(`${JSON.stringify({ role, version: values.version, port: app.port })}\n`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
