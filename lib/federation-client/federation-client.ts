// Client of plexus.federation.v1.Federation (services/federation): ListImports.
import * as grpc from '@grpc/grpc-js';
import { bearerTokenOptions } from '../grpc/client-call.js';
import { fromGrpcError } from '../grpc/client-errors.js';
import { serviceClient } from '../grpc/proto.js';
import type { ListImportsRequest } from '../proto/gen/plexus/federation/v1/ListImportsRequest.js';
import type { ListImportsResponse__Output } from '../proto/gen/plexus/federation/v1/ListImportsResponse.js';

export const FEDERATION_PROTO = 'plexus/federation/v1/federation.proto';
export const FEDERATION_SERVICE = 'plexus.federation.v1.Federation';
export type ListImportsResponse = ListImportsResponse__Output;

interface RawFederationClient extends grpc.Client {
  ListImports(req: ListImportsRequest, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: ListImportsResponse__Output) => void): void;
}

export class FederationClient {
  private readonly raw: RawFederationClient;

  constructor(
    readonly address: string,
    private readonly opts: { credentials?: grpc.ChannelCredentials; token?: string | undefined; deadlineMs?: number } = {},
  ) {
    const Ctor = serviceClient(FEDERATION_PROTO, FEDERATION_SERVICE);
    this.raw = new Ctor(address, opts.credentials ?? grpc.credentials.createInsecure(), bearerTokenOptions(opts.token)) as unknown as RawFederationClient;
  }

  listImports(req: ListImportsRequest = {}): Promise<ListImportsResponse__Output> {
    return new Promise((resolve, reject) => {
      this.raw.ListImports(req, { deadline: Date.now() + (this.opts.deadlineMs ?? 10_000) }, (err, res) => {
        if (err || !res) reject(fromGrpcError(err ?? new Error('empty response'), 'ListImports'));
        else resolve(res);
      });
    });
  }

  close(): void {
    this.raw.close();
  }
}
