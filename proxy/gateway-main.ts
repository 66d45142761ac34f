// Entry point of the ingress gateway (the proxy in gateway mode); see config/gateway-config.ts.
//   node --import tsx proxy/gateway-main.ts --gateway.listen.port 8080 --config gateway.yaml
import { runMain } from '../lib/lifecycle.js';
import { loadGatewayConfig } from './config/gateway-config.js';
import { startGateway } from './gateway.js';

runMain('plexus-gateway', async () => {
  const gateway = await startGateway(loadGatewayConfig(process.argv.slice(2)));
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    process.stderr.write(`plexus-gateway: ${signal}: draining\n`);
    gateway.drain().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
});
