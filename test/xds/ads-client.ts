// A hand-written ADS client for protocol tests (grpc-js-xds speaks only state of the world):
// send requests, await responses one at a time.
import * as grpc from '@grpc/grpc-js';
import { adsDefinition, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from '../../services/config-push/xds/xds-proto.js';

const Ads = grpc.makeGenericClientConstructor(adsDefinition(), 'AggregatedDiscoveryService');

export class AdsStream<Req, Res> {
  private readonly queue: Res[] = [];
  private waiter: ((r: Res) => void) | undefined;
  error: grpc.ServiceError | undefined;

  constructor(private readonly call: grpc.ClientDuplexStream<Req, Res>) {
    call.on('data', (r: Res) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(r);
      } else this.queue.push(r);
    });
    call.on('error', (e: grpc.ServiceError) => (this.error = e));
  }

  send(req: Partial<Req>): void {
    this.call.write(req as Req);
  }

  next(timeoutMs = 3000): Promise<Res> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(t);
        resolve(r);
      };
    });
  }

  /** Responses that arrived and were not taken yet. */
  get buffered(): number {
    return this.queue.length;
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}

export class AdsClient {
  private readonly client: grpc.Client & Record<string, () => unknown>;

  constructor(address: string) {
    this.client = new Ads(address, grpc.credentials.createInsecure()) as never;
  }

  delta(): AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    return new AdsStream(this.client.DeltaAggregatedResources!() as grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>);
  }

  sotw(): AdsStream<DiscoveryRequest, DiscoveryResponse> {
    return new AdsStream(this.client.StreamAggregatedResources!() as grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>);
  }

  close(): void {
    this.client.close();
  }
}

export function node(id: string, zone = 'zone-a'): DeltaDiscoveryRequest['node'] {
  return { id, cluster: 'probe', locality: { region: '', zone, sub_zone: '' }, metadata: null, user_agent_name: 'ads-test' };
}
