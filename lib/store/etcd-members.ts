// Per-member health for an etcd cluster: one etcd3 client (one gRPC channel) per endpoint,
// so a dead member's channel fails fast without touching the others.
//  - A member is marked down when a call to it fails as unavailable (refused, no connection,
//    no answer in time, no leader). Calls try members that are up first, in a sticky order
//    (the last member that answered first), and down members only as a last resort.
//  - While any member is down, a probe asks each down member for its Status every
//    PROBE_INTERVAL_MS with a short deadline; the first answer that names a leader marks it up
//    again. So a returning member is used again within a few hundred milliseconds — there is
//    no breaker that stays open for seconds (see the header comment in etcd-store.ts).
//  - A call that succeeds on a down member (the last resort) marks it up at once.
import { Etcd3 } from 'etcd3';
import type { IOptions } from 'etcd3';
import type { Logger } from 'pino';

const PROBE_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 500;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
/** Runs the call once: failures go straight to our error mapping and member bookkeeping. */
const PASS_THROUGH = {
  // async: a synchronous throw must become a rejection (etcd3's markFailed relies on it).
  execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> => fn({ signal: new AbortController().signal }),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as Policy;

export interface EtcdMember {
  readonly endpoint: string;
  readonly client: Etcd3;
  /** Since when calls to it failed as unavailable; undefined while it is up. */
  downSince: number | undefined;
}

export class EtcdMembers {
  readonly members: readonly EtcdMember[];
  /** Index of the member tried first among those that are up. */
  private preferred = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;

  constructor(
    endpoints: string[],
    timeoutMs: number,
    private readonly logger?: Logger,
  ) {
    this.members = endpoints.map((endpoint) => ({ endpoint, client: makeClient(endpoint, timeoutMs), downSince: undefined }));
  }

  get size(): number {
    return this.members.length;
  }

  /** Members to try, in order: those that are up (preferred first), then those that are down. */
  order(): EtcdMember[] {
    const n = this.members.length;
    const rotated = Array.from({ length: n }, (_, i) => this.members[(this.preferred + i) % n]!);
    return [...rotated.filter((m) => m.downSince === undefined), ...rotated.filter((m) => m.downSince !== undefined).sort((a, b) => a.downSince! - b.downSince!)];
  }

  /** The member to try first. */
  pick(): EtcdMember {
    return this.order()[0]!;
  }

  succeeded(member: EtcdMember): void {
    if (member.downSince !== undefined) {
      member.downSince = undefined;
      this.logger?.info({ endpoint: member.endpoint }, 'etcd member answers again');
    }
    if (this.members[this.preferred]!.downSince !== undefined) this.preferred = this.members.indexOf(member);
  }

  /** A call to `member` failed as unavailable: avoid it until it answers again. */
  failed(member: EtcdMember, err: unknown): void {
    if (this.members.length === 1) return; // nowhere else to go; nothing to track
    if (member.downSince === undefined) {
      member.downSince = Date.now();
      this.logger?.warn({ endpoint: member.endpoint, err }, 'etcd member unavailable; using the others until it answers');
    }
    if (this.members[this.preferred] === member) {
      const next = this.order()[0]!;
      this.preferred = this.members.indexOf(next);
    }
    this.scheduleProbe();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    for (const m of this.members) m.client.close();
  }

  private scheduleProbe(): void {
    if (this.closed || this.probeTimer || this.probing) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe();
    }, PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    this.probing = true;
    try {
      await Promise.all(
        this.members
          .filter((m) => m.downSince !== undefined)
          .map(async (m) => {
            try {
              const status = await m.client.maintenance.status({ deadline: Date.now() + PROBE_TIMEOUT_MS });
              if (status.leader && status.leader !== '0' && !this.closed) this.succeeded(m);
            } catch {
              /* still down */
            }
          }),
      );
    } finally {
      this.probing = false;
    }
    if (this.members.some((m) => m.downSince !== undefined)) this.scheduleProbe();
  }
}

/**
 * Whether a failed call provably never reached the server, so even a write may be sent to
 * another member: gRPC had no connection to put it on (refused, or the channel is failing).
 */
export function neverSent(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (/No connection established|connect ECONNREFUSED/.test(e.message)) return true;
  }
  return false;
}

function makeClient(endpoint: string, timeoutMs: number): Etcd3 {
  return new Etcd3({
    hosts: [endpoint],
    // Fallback only: every unary call passes its own deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    faultHandling: { host: () => PASS_THROUGH, global: PASS_THROUGH },
    grpcOptions: {
      // Reconnect quickly once etcd is back instead of backing off for up to two minutes,
      // and do not share a backed-off subchannel with another client.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.use_local_subchannel_pool': 1,
      // Notice a dead peer under an idle watch stream (etcd allows pings every 5 s).
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      // A list page holds up to LIST_PAGE values of up to 512 KiB each.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    },
  });
}
