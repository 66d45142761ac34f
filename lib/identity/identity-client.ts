// A thin typed client of plexus.identity.v1.Identity over TLS: promises, a deadline per call,
// an optional bearer token (operators) or client certificate (renewal), and domain errors
// instead of gRPC statuses. Used by plexctl, the workload identity client and tests.
import * as grpc from '@grpc/grpc-js';
import { serviceClient } from '../grpc/proto.js';
import type { CaStatusResponse__Output } from '../proto/gen/plexus/identity/v1/CaStatusResponse.js';
import type { CertificateResponse__Output } from '../proto/gen/plexus/identity/v1/CertificateResponse.js';
import type { CreateJoinTokenRequest } from '../proto/gen/plexus/identity/v1/CreateJoinTokenRequest.js';
import type { CreateJoinTokenResponse__Output } from '../proto/gen/plexus/identity/v1/CreateJoinTokenResponse.js';
import type { IdentityClient as RawClient } from '../proto/gen/plexus/identity/v1/Identity.js';
import type { RevokeJoinTokenResponse__Output } from '../proto/gen/plexus/identity/v1/RevokeJoinTokenResponse.js';
import type { TrustBundle__Output } from '../proto/gen/plexus/identity/v1/TrustBundle.js';
import { fromGrpcError } from '../registry-client/errors.js';

export const IDENTITY_PROTO = 'plexus/identity/v1/identity.proto';
export const IDENTITY_SERVICE = 'plexus.identity.v1.Identity';

export type CertificateResponse = CertificateResponse__Output;
export type TrustBundle = TrustBundle__Output;
export type CaStatus = CaStatusResponse__Output;

export interface IdentityClientOptions {
  /** Root PEMs that the server's certificate must chain to. */
  roots: string[];
  /** Present this certificate (leaf first, then intermediates) with its key: needed for renewal. */
  clientCert?: { certChainPem: string; privateKeyPem: string };
  token?: string;
  /** Deadline of each unary call; default 10000 ms. */
  deadlineMs?: number;
}

export class IdentityClient {
  readonly raw: RawClient;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;

  constructor(readonly address: string, options: IdentityClientOptions) {
    const Ctor = serviceClient(IDENTITY_PROTO, IDENTITY_SERVICE);
    const creds = grpc.credentials.createSsl(
      Buffer.from(options.roots.join('\n')),
      options.clientCert ? Buffer.from(options.clientCert.privateKeyPem) : null,
      options.clientCert ? Buffer.from(options.clientCert.certChainPem) : null,
    );
    this.raw = new Ctor(address, creds, {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as RawClient;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.token = options.token;
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private call<Res>(what: string, invoke: (md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void): Promise<Res> {
    return new Promise((resolve, reject) => {
      invoke(this.metadata(), { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) reject(fromGrpcError(err, what));
        else resolve(res!);
      });
    });
  }

  createJoinToken(req: CreateJoinTokenRequest): Promise<CreateJoinTokenResponse__Output> {
    return this.call('create join token', (md, o, cb) => this.raw.createJoinToken(req, md, o, cb));
  }
  revokeJoinToken(id: string): Promise<RevokeJoinTokenResponse__Output> {
    return this.call('revoke join token', (md, o, cb) => this.raw.revokeJoinToken({ id }, md, o, cb));
  }
  issueCertificate(csr: string, joinToken: string, ttlSeconds = 0): Promise<CertificateResponse> {
    return this.call('issue certificate', (md, o, cb) => this.raw.issueCertificate({ csr, joinToken, ttlSeconds }, md, o, cb));
  }
  renewCertificate(csr: string, ttlSeconds = 0): Promise<CertificateResponse> {
    return this.call('renew certificate', (md, o, cb) => this.raw.renewCertificate({ csr, ttlSeconds }, md, o, cb));
  }
  getTrustBundle(): Promise<TrustBundle> {
    return this.call('get trust bundle', (md, o, cb) => this.raw.getTrustBundle({}, md, o, cb));
  }
  caStatus(): Promise<CaStatus> {
    return this.call('CA status', (md, o, cb) => this.raw.caStatus({}, md, o, cb));
  }

  /** Streams the bundle: at once, then on every change. `onEnd` gets the error (or undefined) when the stream stops. */
  watchTrustBundle(onBundle: (b: TrustBundle) => void, onEnd: (err?: Error) => void): { cancel(): void } {
    const stream = this.raw.watchTrustBundle({}, this.metadata());
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', onBundle);
    stream.on('error', (err: grpc.ServiceError) => end(err.code === grpc.status.CANCELLED ? undefined : fromGrpcError(err, 'watch trust bundle')));
    stream.on('end', () => end());
    return { cancel: () => stream.cancel() };
  }

  close(): void {
    this.raw.close();
  }
}
