// Entry point of the sidecar proxy: config from file/env/flags, start, and on SIGTERM/SIGINT
// drain gracefully and exit 0 (a second signal exits at once).
//   node --import tsx proxy/main.ts --config proxy.yaml
import { runMain } from '../lib/lifecycle.js';
import { loadProxyConfig } from './config/proxy-config.js';
import { startSidecar } from './sidecar.js';

runMain('plexus-proxy', async () => {
  const config = loadProxyConfig(process.argv.slice(2));
  const sidecar = await startSidecar(config);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    process.stderr.write(`plexus-proxy: ${signal}: draining\n`);
    sidecar.drain().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`plexus-proxy: drain failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
});
