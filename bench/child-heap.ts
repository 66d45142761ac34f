// Live heap of a config-push child after a full GC. The child runs with --expose-gc, and then
// SIGUSR2 makes it collect (services/config-push/main.ts). Without a forced GC, heap per proxy
// is whatever garbage happened to be uncollected: at 100 proxies it even came out negative.
import type { ChildReplica } from '../test/config-push/support.js';

/** NODE_OPTIONS for a config-push child whose heap a bench reads with liveHeapBytes(). */
export const EXPOSE_GC_NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim();

/** The least of 3 readings of plexus_nodejs_heap_size_used_bytes, each after its own full GC. */
export async function liveHeapBytes(replica: Pick<ChildReplica, 'process' | 'adminUrl'>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    process.kill(replica.process.pid!, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 300));
    const text = await (await fetch(`${replica.adminUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('plexus_nodejs_heap_size_used_bytes '));
    min = Math.min(min, Number(line?.split(' ').at(-1)));
  }
  return min;
}
