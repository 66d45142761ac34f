// Every replica (active for a link or not) listens to its peers' heartbeats, so any replica
// can answer ListImports with the link's freshness. Hostile input: size- and schema-checked.
// The peer set follows config reloads (setPeers).
import type { NatsConnection, Subscription } from 'nats';
import { decodePeerMessage, heartbeatSchema, heartbeatSubject } from './federation-wire.js';

const MAX_HEARTBEAT_BYTES = 4096;

export interface HeartbeatSeen {
  at: number;
  cursor: number;
}

export class HeartbeatMonitor {
  private readonly seen = new Map<string, HeartbeatSeen>();
  private readonly subs = new Map<string, Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    peers: string[],
  ) {
    this.setPeers(peers);
  }

  /** Listen to exactly these peers: new ones are subscribed, removed ones forgotten. */
  setPeers(peers: string[]): void {
    const wanted = new Set(peers);
    for (const [peer, sub] of this.subs) {
      if (wanted.has(peer)) continue;
      sub.unsubscribe();
      this.subs.delete(peer);
      this.seen.delete(peer);
    }
    for (const peer of wanted) {
      if (this.subs.has(peer)) continue;
      const sub = this.nc.subscribe(heartbeatSubject(peer, this.cluster), {
        callback: (err, msg) => {
          if (err || this.subs.get(peer) !== sub) return;
          const hb = decodePeerMessage(msg.data, MAX_HEARTBEAT_BYTES, heartbeatSchema);
          if (hb.ok && hb.value.cluster === peer && hb.value.peer === this.cluster) this.seen.set(peer, { at: Date.now(), cursor: hb.value.cursor });
        },
      });
      this.subs.set(peer, sub);
    }
  }

  last(peer: string): HeartbeatSeen | undefined {
    return this.seen.get(peer);
  }

  close(): void {
    this.setPeers([]);
  }
}
