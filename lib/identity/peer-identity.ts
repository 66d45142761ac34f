// Who is on the other end of a gRPC call, from its verified TLS client certificate only
// (DESIGN.md "Trust"): never from what a request claims. grpc-js reports a peer certificate to
// handlers only when it verified against the server's roots, so a certificate of another CA,
// an expired one or none at all all read as "no workload".
import type * as grpc from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors.js';
import { spiffeUrisOfPeer } from '../grpc/tls.js';
import { formatSpiffeId, parseSpiffeId, type SpiffeServiceId } from '../model/names.js';

export interface Workload extends SpiffeServiceId {
  /** spiffe://<td>/ns/<namespace>/svc/<service> */
  spiffeId: string;
}

type WithAuthContext = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * The workload behind the call's verified client certificate; undefined without one.
 * UNAUTHENTICATED for a verified certificate that is not a workload SVID of `trustDomain`.
 */
export function peerWorkload(call: WithAuthContext, trustDomain: string): Workload | undefined {
  const cert = call.getAuthContext()?.sslPeerCertificate;
  if (!cert?.raw) return undefined;
  const uris = spiffeUrisOfPeer(cert);
  const id = uris.length === 1 ? parseSpiffeId(uris[0]!) : undefined;
  if (!id || id.trustDomain !== trustDomain) throw new UnauthenticatedError('client certificate carries no workload SPIFFE ID of this trust domain');
  if (cert.ca === true) throw new UnauthenticatedError('client certificate is a CA certificate');
  // TLS verification already refused expired certificates; valid_to has whole seconds only.
  if (Date.parse(cert.valid_to) + 1000 <= Date.now()) throw new UnauthenticatedError('client certificate has expired');
  return { ...id, spiffeId: formatSpiffeId(id) };
}

/** As peerWorkload, but UNAUTHENTICATED without a certificate; `why` says what needs one. */
export function peerIdentity(call: WithAuthContext, trustDomain: string, why = 'this call needs a workload certificate (mTLS)'): Workload {
  const w = peerWorkload(call, trustDomain);
  if (!w) throw new UnauthenticatedError(`${why}: no verified client certificate`);
  return w;
}
