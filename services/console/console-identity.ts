// The console's reader of the identity service: asks every replica's CaStatus (viewer token,
// TLS with the mesh CA) every `intervalMs` and merges the answers. Every replica is asked, not
// one at a time like the watch readers, because each replica only knows the workload
// certificates it issued itself: the soonest expiry is the earliest over all of them and the
// live count their sum. Any replica answering keeps the panel current; none answering clears it
// and shows the error, so the page never shows old certificates as if they were current.
//
// A raw client over controlPlaneChannel, not lib/identity's IdentityClient: that one dials with
// grpc's host-name check and TLS only, while the console checks the server's SPIFFE ID (addresses
// are often IPs) and may run against a plaintext test control plane like its other readers.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { fromGrpcError } from '../../lib/grpc/client-errors.js';
import { serviceClient } from '../../lib/grpc/proto.js';
import { controlPlaneChannel, type ClientSecurity } from '../../lib/grpc/tls.js';
import { IDENTITY_PROTO, IDENTITY_SERVICE, type CaStatus } from '../../lib/identity/identity-client.js';
import type { IdentityClient as RawIdentityClient } from '../../lib/proto/gen/plexus/identity/v1/Identity.js';
import { sleep } from '../../lib/registry-client/index.js';
import type { ConsoleModel, IdentitySnapshot } from './console-model.js';

export interface IdentityReaderOptions {
  addresses: string[];
  token: string | undefined;
  security: ClientSecurity;
  intervalMs: number;
  logger: Logger;
}

/** The page is told at least this often, so time left stays current when nothing else changes. */
const REFRESH_MS = 60_000;

/** Merges replicas' CaStatus answers: certificates by fingerprint, earliest workload expiry, summed live count. */
export function mergeCaStatus(answers: ReadonlyArray<{ address: string; status: CaStatus }>): IdentitySnapshot {
  const certs = new Map<string, IdentitySnapshot['certificates'][number]>();
  let soonest: IdentitySnapshot['soonestWorkload'] = null;
  let live = 0;
  let revoked = 0;
  let trustDomain = '';
  for (const { status: s } of answers) {
    trustDomain ||= s.trustDomain;
    for (const c of s.certificates) {
      if (!certs.has(c.fingerprint)) certs.set(c.fingerprint, { kind: c.kind, subject: c.subject, fingerprint: c.fingerprint, cluster: c.cluster, notBefore: c.notBefore, notAfter: c.notAfter });
    }
    if (s.soonestWorkloadExpiry && (!soonest || Date.parse(s.soonestWorkloadExpiry) < Date.parse(soonest.notAfter))) {
      soonest = { spiffeId: s.soonestWorkloadSpiffeId, notAfter: s.soonestWorkloadExpiry };
    }
    live += Number(s.issuedLive);
    // Revocations live in the shared store: every replica knows all of them.
    revoked = Math.max(revoked, Number(s.revokedTokens));
  }
  const order = (k: string): number => (k === 'root' ? 0 : 1);
  return {
    trustDomain,
    certificates: [...certs.values()].sort((a, b) => order(a.kind) - order(b.kind) || a.notAfter.localeCompare(b.notAfter)),
    soonestWorkload: soonest,
    liveCertificates: live,
    revokedTokens: revoked,
    replicas: answers.map((a) => a.address),
  };
}

/** Polls until `signal` aborts; resolves then. */
export async function runIdentityReader(model: ConsoleModel, opts: IdentityReaderOptions, signal: AbortSignal): Promise<void> {
  const Ctor = serviceClient(IDENTITY_PROTO, IDENTITY_SERVICE);
  const clients = opts.addresses.map((address) => ({
    address,
    raw: new Ctor(address, controlPlaneChannel(opts.security, 'identity'), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    }) as unknown as RawIdentityClient,
  }));
  const deadlineMs = Math.min(opts.intervalMs, 5000);
  const caStatus = (raw: RawIdentityClient): Promise<CaStatus> =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      if (opts.token !== undefined) md.set('authorization', `Bearer ${opts.token}`);
      raw.caStatus({}, md, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(fromGrpcError(err, 'CA status')) : resolve(res!)));
    });

  let last = '';
  let told = 0;
  try {
    while (!signal.aborted) {
      const settled = await Promise.all(
        clients.map(async (c) => {
          try {
            return { address: c.address, status: await caStatus(c.raw) };
          } catch (err) {
            return { address: c.address, error: (err as Error).message };
          }
        }),
      );
      if (signal.aborted) return;
      const answers = settled.flatMap((s) => (s.status ? [{ address: s.address, status: s.status }] : []));
      const failed = settled.flatMap((s) => (s.error !== undefined ? [`${s.address}: ${s.error}`] : []));
      model.identityStatus = answers.length ? mergeCaStatus(answers) : null;
      if (!failed.length) delete model.sourceErrors.identity;
      else if (answers.length) model.sourceErrors.identity = `identity replicas not answering (counts cover the others only): ${failed.join('; ')}`;
      else model.sourceErrors.identity = `identity service unreachable: ${failed.join('; ')}`;
      const now = JSON.stringify([model.identityStatus, model.sourceErrors.identity]);
      if (now !== last || Date.now() - told >= REFRESH_MS) {
        if (failed.length && now !== last) opts.logger.debug({ err: model.sourceErrors.identity }, 'console identity source degraded');
        last = now;
        told = Date.now();
        model.changed('identity');
      }
      await sleep(opts.intervalMs, signal).catch(() => undefined);
    }
  } finally {
    for (const c of clients) c.raw.close();
  }
}
