// The entry-point shape both proxy binaries share (main.ts, gateway-main.ts): config from flags,
// file and PLEXUS_* (a bad value exits 2 naming the field), start, and on SIGTERM/SIGINT drain
// gracefully and exit 0 (a second signal exits at once).
import { onShutdownSignals, runMain } from '../lib/lifecycle.js';

export function runProxyMain(name: string, start: (argv: string[]) => Promise<{ drain(): Promise<void> }>): void {
  runMain(name, async () => {
    const proxy = await start(process.argv.slice(2));
    onShutdownSignals({
      stop: (signal) => {
        process.stderr.write(`${name}: ${signal}: draining\n`);
        return proxy.drain();
      },
      onFailed: (err) => process.stderr.write(`${name}: drain failed: ${(err as Error).message}\n`),
    });
  });
}
