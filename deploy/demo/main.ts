// A demo app as its own process (deploy/local):
//   node --import tsx deploy/demo/main.ts --role catalog --version v2 --port 9001 --outbound http://127.0.0.1:15001 --cluster east
// The cluster (returned in every answer) is `--cluster`, else $PLEXUS_CLUSTER, else `local`.
import { z } from 'zod';
import { dnsLabel, port } from '../../lib/config/fields.js';
import { loadConfigFromArgs } from '../../lib/config/flags.js';
import { onShutdownSignals, runMain } from '../../lib/lifecycle.js';
import { startDemoApp } from './demo-app.js';

const demoConfigSchema = z
  .object({
    role: z.enum(['frontend', 'catalog', 'pricing']),
    version: z.coerce.string().default('v1'),
    instance: z.coerce.string().optional(),
    host: z.string().default('127.0.0.1'),
    port: port.default(0),
    outbound: z.string().optional(),
    cluster: dnsLabel.default(process.env.PLEXUS_CLUSTER ?? 'local'),
  })
  .strict();

runMain('demo-app', async () => {
  const values = loadConfigFromArgs(demoConfigSchema, process.argv.slice(2), {});
  const role = values.role;
  if (role !== 'pricing' && !values.outbound) throw new Error(`--outbound (the sidecar's outbound URL) is required for ${role}`);
  const app = await startDemoApp({
    role,
    version: values.version,
    instance: values.instance ?? `${role}-${values.version}-${process.pid}`,
    host: values.host,
    port: values.port,
    cluster: values.cluster,
    ...(values.outbound ? { outboundProxy: values.outbound } : {}),
  });
  process.stdout.write(`${JSON.stringify({ role, version: values.version, cluster: values.cluster, port: app.port })}\n`);
  onShutdownSignals({ stop: () => app.close() });
});
