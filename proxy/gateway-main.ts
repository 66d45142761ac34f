// Entry point of the ingress gateway (the proxy in gateway mode); see config/gateway-config.ts.
//   node --import tsx proxy/gateway-main.ts --gateway.listen.port 8080 --config gateway.yaml
import { loadGatewayConfig } from './config/gateway-config.js';
import { startGateway } from './gateway.js';
import { runProxyMain } from './proxy-main.js';

runProxyMain('plexus-gateway', (argv) => startGateway(loadGatewayConfig(argv)));
