// Every replica (active for a link or not) listens to its peers' heartbeats, so any replica
// can answer ListImports with the link's freshness. Hostile input: size- and schema-checked.
import type { NatsConnection, Subscription } from 'nats';
import { decodePeerMessage, heartbeatSchema, heartbeatSubject } from './federation-wire.js';

const MAX_HEARTBEAT_BYTES = 4096;

export interface HeartbeatSeen {
  at: number;
  cursor: number;
}

export class HeartbeatMonitor {
  private readonly seen = new Map<string, HeartbeatSeen>();
  private readonly subs: Subscription[] = [];

  constructor(nc: NatsConnection, cluster: string, peers: string[]) {
    for (const peer of peers) {
      this.subs.push(
        nc.subscribe(heartbeatSubject(peer, cluster), {
          callback: (err, msg) => {
            if (err) return;
            const hb = decodePeerMessage(msg.data, MAX_HEARTBEAT_BYTES, heartbeatSchema);
            if (hb.ok && hb.value.cluster === peer && hb.value.peer === cluster) this.seen.set(peer, { at: Date.now(), cursor: hb.value.cursor });
          },
        }),
      );
    }
  }

  last(peer: string): HeartbeatSeen | undefined {
    return this.seen.get(peer);
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
