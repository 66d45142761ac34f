// TLS for every control-plane gRPC server and client (DESIGN.md "Trust"). A TlsSource is the
// current {certificate chain, key, roots} plus change events; it comes from files (reloaded when
// they change, no restart), from a WorkloadIdentity (lib/identity) or from memory (the identity
// service's own certificate, tests). grpc-js takes it as a CertificateProvider, so a rotated
// certificate or trust bundle applies to new connections at once.
//
// Servers ask for a client certificate and, with `requireClientCert`, refuse connections without
// one; which caller may do what is decided per method from the verified peer certificate
// (lib/identity/peer-identity.ts) or an operator's bearer token. Clients verify the server by
// its SPIFFE ID (a URI SAN), not by host name: control-plane addresses are often IPs, and a
// certificate's DNS names say nothing about which service it belongs to.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { watchFileChanges } from '../config/file-watch.js';
import { spiffeServerCheck } from './peer-identity.js';
import { CONTROL_PLANE_NAMESPACE, DEFAULT_TRUST_DOMAIN } from '../model/names.js';

export interface TlsMaterial {
  /** Leaf PEM followed by intermediates; '' for a source that only verifies peers (plexctl). */
  certChainPem: string;
  /** PKCS#8 PEM; '' when certChainPem is. */
  keyPem: string;
  /** Root PEMs (concatenated) that peers must chain to. */
  rootsPem: string;
}

export interface TlsSource {
  /** Undefined until the first material is known (a proxy before its first certificate). */
  readonly current: TlsMaterial | undefined;
  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: (m: TlsMaterial) => void): () => void;
}

/** A source held in memory and set by its owner. */
export class MutableTlsSource implements TlsSource {
  private material: TlsMaterial | undefined;
  private readonly events = new EventEmitter();

  constructor(initial?: TlsMaterial) {
    this.material = initial;
    this.events.setMaxListeners(0);
  }

  get current(): TlsMaterial | undefined {
    return this.material;
  }

  set(m: TlsMaterial): void {
    this.material = m;
    this.events.emit('change', m);
  }

  /** Replace only the roots (trust bundle change). */
  setRoots(rootsPem: string): void {
    this.set({ certChainPem: this.material?.certChainPem ?? '', keyPem: this.material?.keyPem ?? '', rootsPem });
  }

  onChange(listener: (m: TlsMaterial) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }
}

/** Roots only: a client that verifies servers but has no certificate of its own. */
export function rootsOnlySource(rootsPem: string): TlsSource {
  return new MutableTlsSource({ certChainPem: '', keyPem: '', rootsPem });
}

export interface TlsFiles {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile: string;
}

/**
 * Certificate, key and CA files, re-read when any of them changes (polled every `intervalMs`,
 * so it also works for Kubernetes Secret volumes, which swap a symlink). A half-written or
 * mismatched set keeps the previous material and logs; the next change tries again.
 */
export class FileTlsSource extends MutableTlsSource {
  private readonly unwatch: Array<() => void>;
  /** Changed files that could not be used (the previous material was kept). */
  rejected = 0;

  constructor(
    private readonly paths: TlsFiles,
    private readonly logger?: Logger,
    intervalMs = 1000,
  ) {
    super();
    this.set(this.read());
    // watchFileChanges also checks once after the first interval: a file written before a
    // watcher's first stat (its baseline) would otherwise never count as changed.
    const files = [paths.certFile, paths.keyFile, paths.caFile].filter((f): f is string => f !== undefined);
    this.unwatch = files.map((f) => watchFileChanges(f, intervalMs, this.reload));
  }

  close(): void {
    for (const stop of this.unwatch) stop();
  }

  private readonly reload = (): void => {
    try {
      const m = this.read();
      const cur = this.current;
      if (cur && cur.certChainPem === m.certChainPem && cur.keyPem === m.keyPem && cur.rootsPem === m.rootsPem) return;
      this.set(m);
      this.logger?.info({ certFile: this.paths.certFile, caFile: this.paths.caFile }, 'TLS files changed: new certificate material in use');
    } catch (err) {
      this.rejected++;
      this.logger?.warn({ err: (err as Error).message }, 'TLS files changed but cannot be used; keeping the previous material');
    }
  };

  private read(): TlsMaterial {
    const one = (path: string | undefined, field: string): string => {
      if (path === undefined) return '';
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new ConfigError([{ path: `tls.${field}`, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], 'TLS files');
      }
    };
    const m = { certChainPem: one(this.paths.certFile, 'certFile'), keyPem: one(this.paths.keyFile, 'keyFile'), rootsPem: one(this.paths.caFile, 'caFile') };
    if (!m.rootsPem.includes('BEGIN CERTIFICATE')) throw new ConfigError([{ path: 'tls.caFile', message: 'holds no PEM certificate' }], 'TLS files');
    if ((m.certChainPem === '') !== (m.keyPem === '')) throw new ConfigError([{ path: 'tls.keyFile', message: 'certFile and keyFile go together' }], 'TLS files');
    return m;
  }
}

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdListener = grpc.experimental.IdentityCertificateUpdateListener;

/**
 * A TlsSource as grpc-js's CertificateProvider (identity and CA in one). grpc-js registers its
 * own watcher only after add*Listener returns, so the current value is delivered on a microtask.
 */
export class SourceCertificateProvider implements grpc.experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly idListeners = new Set<IdListener>();
  private readonly unsubscribe: () => void;

  constructor(private readonly source: TlsSource) {
    this.unsubscribe = source.onChange(() => {
      const ca = this.ca();
      const id = this.identity();
      if (ca) for (const l of this.caListeners) l(ca);
      if (id) for (const l of this.idListeners) l(id);
    });
  }

  private ca(): grpc.experimental.CaCertificateUpdate | null {
    const m = this.source.current;
    return m && m.rootsPem ? { caCertificate: Buffer.from(m.rootsPem) } : null;
  }

  private identity(): grpc.experimental.IdentityCertificateUpdate | null {
    const m = this.source.current;
    return m && m.certChainPem ? { certificate: Buffer.from(m.certChainPem), privateKey: Buffer.from(m.keyPem) } : null;
  }

  addCaCertificateListener(listener: CaListener): void {
    addAndDeliver(this.caListeners, listener, () => this.ca());
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdListener): void {
    addAndDeliver(this.idListeners, listener, () => this.identity());
  }
  removeIdentityCertificateListener(listener: IdListener): void {
    this.idListeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
  }
}

export interface ServerTlsOptions {
  /** Refuse handshakes without a client certificate (APIs only workloads call). */
  requireClientCert?: boolean;
}

/** Server credentials from a source that has a certificate; a client certificate is always asked for. */
export function serverCredentials(source: TlsSource, opts: ServerTlsOptions = {}): grpc.ServerCredentials {
  const provider = new SourceCertificateProvider(source);
  // Arguments are (identity provider, CA provider, requireClientCertificate) at run time,
  // whatever the parameter names in grpc-js's typings say.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, opts.requireClientCert ?? false);
}

export { spiffeServerCheck, spiffeUrisOfPeer } from './peer-identity.js';

export interface ChannelTlsOptions {
  /** SPIFFE IDs the server may have (e.g. spiffe://plexus.local/ns/plexus-system/svc/registry). */
  serverIds: readonly string[];
}

/**
 * Channel credentials from a source: its roots verify the server, its certificate (when it has
 * one) is presented as client certificate, and the server must carry one of `serverIds`.
 */
export function channelCredentials(source: TlsSource, opts: ChannelTlsOptions): grpc.ChannelCredentials {
  quietIpServerNameWarning();
  const provider = new SourceCertificateProvider(source);
  const withIdentity = (source.current?.certChainPem ?? '') !== '' || source.current === undefined;
  return grpc.experimental.createCertificateProviderChannelCredentials(provider, withIdentity ? provider : null, {
    checkServerIdentity: spiffeServerCheck(opts.serverIds),
  });
}

let ipServerNameWarningQuiet = false;

/**
 * grpc-js hands a channel's target host to TLS as the server name even when it is an IP address;
 * Node then sends no SNI (right for an IP target; our servers are checked by SPIFFE ID, not by
 * name) but prints DEP0123 on stderr. Control-plane addresses are usually IP addresses, so every
 * process with a TLS channel (plexctl, the launchers, services, proxies) would print it. Only
 * that one warning code is dropped, once per process.
 */
function quietIpServerNameWarning(): void {
  if (ipServerNameWarningQuiet) return;
  ipServerNameWarningQuiet = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const options = args[1];
    const code = typeof options === 'object' && options !== null ? (options as { code?: unknown }).code : args[2];
    if (code !== 'DEP0123') emit(...args);
  }) as typeof process.emitWarning;
}

/** How a control-plane server listens: TLS from a source, or plaintext only when asked for explicitly. */
export type ServerSecurity = { tls: TlsSource; insecure?: false } | { insecure: true; tls?: undefined };

/** How a client reaches the control plane: TLS (source + expected server ids are per call site), or plaintext. */
export type ClientSecurity = { tls: TlsSource; trustDomain?: string; insecure?: false } | { insecure: true; tls?: undefined };

/** The SPIFFE ID of control-plane service `service` (registry, policy, config-push, identity). */
export function controlPlaneId(service: string, trustDomain = DEFAULT_TRUST_DOMAIN): string {
  return `spiffe://${trustDomain}/ns/${CONTROL_PLANE_NAMESPACE}/svc/${service}`;
}

/** Channel credentials for calling control-plane service `service` with `security`. */
export function controlPlaneChannel(security: ClientSecurity, service: string): grpc.ChannelCredentials {
  if (security.insecure) return grpc.credentials.createInsecure();
  return channelCredentials(security.tls, { serverIds: [controlPlaneId(service, security.trustDomain)] });
}

/**
 * Add `listener` and hand it the current value, asynchronously: grpc-js registers its own
 * watcher only after the add call returns, and drops connections if the value comes first.
 */
function addAndDeliver<T>(listeners: Set<(value: T) => void>, listener: (value: T) => void, current: () => T | null): void {
  listeners.add(listener);
  queueMicrotask(() => {
    const value = current();
    if (value && listeners.has(listener)) listener(value);
  });
}
