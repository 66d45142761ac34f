// Entry point of the sidecar proxy: config from file/env/flags, start, and on SIGTERM/SIGINT
// drain gracefully and exit 0 (a second signal exits at once).
//   node --import tsx proxy/main.ts --config proxy.yaml
import { loadProxyConfig } from './config/proxy-config.js';
import { runProxyMain } from './proxy-main.js';
import { startSidecar } from './sidecar.js';

runProxyMain('plexus-proxy', (argv) => startSidecar(loadProxyConfig(argv)));
