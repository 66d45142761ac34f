// A proxyless gRPC client: no sidecar, routing and endpoints come from config-push over xDS.
// Calls xds:///inventory.default (the dev mesh's demo service) and prints the version mix.
//   npm run example:proxyless                      (the dev mesh's plaintext loopback ADS, 127.0.0.1:7130)
//   PLEXUS_XDS_SERVER=127.0.0.1:17103 npm run example:proxyless -- --calls 500 --header x-canary=true
// The xDS bootstrap is GRPC_XDS_BOOTSTRAP_CONFIG (JSON) when set, else built from PLEXUS_XDS_SERVER.
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { inventoryClient } from '../../deploy/demo/inventory.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '100' },
    target: { type: 'string', default: 'xds:///inventory.default' },
    header: { type: 'string', multiple: true, default: [] },
    watch: { type: 'boolean', default: false },
  },
});

if (!process.env.GRPC_XDS_BOOTSTRAP_CONFIG && !process.env.GRPC_XDS_BOOTSTRAP) {
  const server = process.env.PLEXUS_XDS_SERVER ?? '127.0.0.1:7130';
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: server, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: `proxyless-example-${hostname()}-${process.pid}`, cluster: 'proxyless-example', locality: { zone: 'zone-a' }, metadata: { NAMESPACE: 'default' } },
  });
}
grpcXds.register();

const client = inventoryClient(values.target);
const calls = Number(values.calls);
const md = new grpc.Metadata();
for (const h of values.header) {
  const eq = h.indexOf('=');
  if (eq > 0) md.set(h.slice(0, eq), h.slice(eq + 1));
}

async function round(): Promise<void> {
  const mix = new Map<string, number>();
  for (let i = 0; i < calls; i++) {
    const key = await new Promise<string>((resolve) =>
      client.GetItem({ sku: 'tea-01' }, md, { deadline: Date.now() + 3000 }, (err, res) => resolve(err ? `error ${grpc.status[err.code]}: ${err.details}` : `${res?.version}`)),
    );
    mix.set(key, (mix.get(key) ?? 0) + 1);
  }
  const parts = [...mix].sort().map(([k, n]) => `${k} ${((100 * n) / calls).toFixed(0)}% (${n})`);
  process.stdout.write(`${new Date().toISOString()}  ${values.target}  ${calls} calls:  ${parts.join('  ')}\n`);
}

await round();
while (values.watch) await round();
client.close();
