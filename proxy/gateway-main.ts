// Entry point of the gateway (the proxy in gateway mode, ingress or east-west); see
// config/gateway-config.ts.
//   node --import tsx proxy/gateway-main.ts --gateway.listen.port 8080 --config gateway.yaml
//   PLEXUS_GATEWAY__EXPORTS='["default/catalog"]' node --import tsx proxy/gateway-main.ts --gateway.mode east-west
import { loadGatewayConfig } from './config/gateway-config.js';
import { startGateway } from './gateway.js';
import { runProxyMain } from './proxy-main.js';

runProxyMain('plexus-gateway', (argv) => startGateway(loadGatewayConfig(argv)));
