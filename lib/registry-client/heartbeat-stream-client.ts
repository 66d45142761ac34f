// Client half of HeartbeatStream: pairs each request with its response by `seq`, with a
// deadline per request. Any stream failure rejects every pending request with
// UnavailableError and marks the stream dead; the owner then opens a new one (elsewhere).
import { UnavailableError } from '../errors.js';
import type { HeartbeatResult__Output } from '../proto/gen/plexus/registry/v1/HeartbeatResult.js';
import type { HeartbeatStreamResponse__Output } from '../proto/gen/plexus/registry/v1/HeartbeatStreamResponse.js';
import type { InstanceRef } from '../proto/gen/plexus/registry/v1/InstanceRef.js';
import { fromGrpcError } from './errors.js';
import type { RegistryApi } from './registry-api.js';

interface Pending {
  resolve(results: HeartbeatResult__Output[]): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class HeartbeatStreamClient {
  private readonly stream: ReturnType<RegistryApi['heartbeatStream']>;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private deadReason: Error | undefined;

  constructor(readonly api: RegistryApi) {
    this.stream = api.heartbeatStream();
    this.stream.on('data', (res: HeartbeatStreamResponse__Output) => {
      const p = this.pending.get(res.seq);
      if (!p) return;
      this.pending.delete(res.seq);
      clearTimeout(p.timer);
      p.resolve(res.results);
    });
    this.stream.on('error', (err: Error) => this.die(fromGrpcError(err, `HeartbeatStream to ${api.address}`)));
    this.stream.on('end', () => this.die(new UnavailableError(`HeartbeatStream to ${api.address} ended`)));
  }

  get dead(): boolean {
    return this.deadReason !== undefined;
  }

  send(instances: InstanceRef[], timeoutMs: number): Promise<HeartbeatResult__Output[]> {
    if (this.deadReason) return Promise.reject(this.deadReason);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.die(new UnavailableError(`HeartbeatStream to ${this.api.address}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      this.stream.write({ seq, instances });
    });
  }

  close(): void {
    this.die(new UnavailableError('HeartbeatStream closed'));
  }

  private die(reason: Error): void {
    if (this.deadReason) return;
    this.deadReason = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.pending.clear();
    this.stream.on('error', () => undefined);
    this.stream.cancel();
  }
}
