// A workload's certificate for proxies (DESIGN.md "Lifecycles/Workload certificate"): a P-256
// key made in memory, a CSR, the first certificate from a join token, renewal at half the
// lifetime authenticated by the current certificate, and the trust bundle followed by a watch.
// The key is extractable only because Node's TLS takes PEM; it is never written anywhere, and
// every renewal uses a fresh key. A failed renewal keeps the current (still valid) certificate,
// logs, counts and retries with jittered backoff; 'change' fires whenever key, certificate or
// bundle change, 'renewal-failed' on each failure.
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { counter } from '../admin/metrics.js';
import { MutableTlsSource, type TlsMaterial, type TlsSource } from '../grpc/tls.js';
import { ES256_SIGNING, fingerprint, generateP256, parseCertificates, privateKeyToPem, x509 } from './crypto.js';
import { IdentityClient, type CertificateResponse } from './identity-client.js';
import { DEFAULT_TRUST_DOMAIN, formatSpiffeId } from '../model/names.js';

export interface WorkloadIdentityOptions {
  /** The identity service, host:port; with several, the next one is tried after a failure. */
  address: string | readonly string[];
  /** Roots to trust before the first bundle arrives (the mesh root PEM, from config). */
  bootstrapRoots: string[];
  joinToken: string;
  namespace: string;
  service: string;
  trustDomain?: string;
  /** Requested lifetime; 0 = the server's default. */
  ttlSeconds?: number;
  logger?: Logger;
  /** Fraction of the lifetime after which to renew (default 0.5). */
  renewAt?: number;
  /** Retry backoff after a failed renewal: from minMs doubling to maxMs, ±50 % jitter. */
  retry?: { minMs: number; maxMs: number };
  deadlineMs?: number;
  /**
   * When the trust bundle no longer lists the intermediate that signed this certificate (a CA
   * rotation), renew after a random delay up to this long (default 30 s), so that a mesh of
   * proxies moves onto the new chain within a minute without all calling at once.
   */
  rotationSpreadMs?: number;
}

export interface WorkloadCredentials {
  spiffeId: string;
  /** PKCS#8 PEM, in memory only. */
  privateKeyPem: string;
  /** Leaf PEM followed by the intermediates. */
  certChainPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Root PEMs to verify peers with. */
  bundle: string[];
}

const renewFailures = counter({ name: 'plexus_identity_client_renew_failures_total', help: 'Failed workload certificate renewals' });
const renewals = counter({ name: 'plexus_identity_client_renewals_total', help: 'Successful workload certificate renewals' });
const rotationRenewals = counter({
  name: 'plexus_identity_client_rotation_renewals_total',
  help: 'Early renewals because the trust bundle retired the intermediate that signed the current certificate',
});

export class WorkloadIdentity extends EventEmitter {
  private creds: WorkloadCredentials | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watch: { cancel(): void } | undefined;
  private watchClient: IdentityClient | undefined;
  private failures = 0;
  /** Index into the identity addresses; moves on after a failed call. */
  private turn = 0;
  private stopped = false;
  /** Fingerprint of the issuer whose retirement already scheduled an early renewal. */
  private earlyRenewal: string | undefined;
  /** The signing intermediates the last bundle listed. */
  private intermediates: readonly string[] = [];
  private readonly logger: Logger;
  readonly spiffeId: string;

  constructor(private readonly options: WorkloadIdentityOptions) {
    super();
    this.logger = (options.logger ?? pino({ enabled: false })).child({ component: 'workload-identity' });
    this.spiffeId = formatSpiffeId({ trustDomain: options.trustDomain ?? DEFAULT_TRUST_DOMAIN, namespace: options.namespace, service: options.service });
  }

  private get address(): string {
    const list = typeof this.options.address === 'string' ? [this.options.address] : this.options.address;
    return list[this.turn % list.length]!;
  }

  /** Current credentials; undefined until start() resolved. */
  get current(): WorkloadCredentials | undefined {
    return this.creds;
  }

  /** Obtains the first certificate (rejects if that fails), then keeps it renewed. */
  async start(): Promise<WorkloadCredentials> {
    const client = new IdentityClient(this.address, { roots: this.options.bootstrapRoots, deadlineMs: this.options.deadlineMs ?? 10_000 });
    try {
      const { keyPem, csr } = await this.makeCsr();
      const res = await client.issueCertificate(csr, this.options.joinToken, this.options.ttlSeconds ?? 0);
      this.install(res, keyPem);
    } catch (err) {
      this.turn++;
      throw err;
    } finally {
      client.close();
    }
    this.watchBundle(0);
    return this.creds!;
  }

  /** Renew now (also called by the timer). Keeps the current certificate on failure and rethrows. */
  async renew(): Promise<WorkloadCredentials> {
    const creds = this.creds;
    if (!creds) throw new Error('not started');
    const client = new IdentityClient(this.address, {
      roots: creds.bundle,
      clientCert: { certChainPem: creds.certChainPem, privateKeyPem: creds.privateKeyPem },
      deadlineMs: this.options.deadlineMs ?? 10_000,
    });
    try {
      const { keyPem, csr } = await this.makeCsr();
      const res = await client.renewCertificate(csr, this.options.ttlSeconds ?? 0);
      this.install(res, keyPem);
      renewals.inc();
      this.failures = 0;
      return this.creds!;
    } finally {
      client.close();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watch?.cancel();
    this.watchClient?.close();
  }

  private async makeCsr(): Promise<{ keyPem: string; csr: string }> {
    const keys = await generateP256(true);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${this.options.service}.${this.options.namespace}`,
      keys,
      signingAlgorithm: ES256_SIGNING,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: this.spiffeId }])],
    });
    return { keyPem: await privateKeyToPem(keys.privateKey), csr: csr.toString('pem') };
  }

  private install(res: CertificateResponse, keyPem: string): void {
    const leaf = new x509.X509Certificate(res.certificate);
    this.creds = {
      spiffeId: res.spiffeId,
      privateKeyPem: keyPem,
      certChainPem: [res.certificate, ...res.chain].join('\n'),
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      bundle: res.trustBundle.length > 0 ? res.trustBundle : (this.creds?.bundle ?? this.options.bootstrapRoots),
    };
    this.earlyRenewal = undefined;
    this.logger.info({ spiffeId: res.spiffeId, notAfter: leaf.notAfter, issuer: leaf.issuer }, 'workload certificate installed');
    this.emit('change', this.creds);
    // From now, not from notBefore: the CA back-dates notBefore for clock skew.
    // The certificate's own notAfter bounds it: X.509 keeps whole seconds only.
    const left = leaf.notAfter.getTime() - Date.now();
    const lifetime = res.ttlSeconds > 0 ? Math.min(res.ttlSeconds * 1000, left) : left;
    this.schedule(Math.max(0, lifetime * (this.options.renewAt ?? 0.5)));
    // Issued by a replica that had not switched yet: renew again (spread) until on the new chain.
    this.renewIfIssuerRetired(this.intermediates);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.renew().catch((err: unknown) => this.onRenewFailure(err));
    }, delayMs);
    this.timer.unref();
  }

  private onRenewFailure(err: unknown): void {
    renewFailures.inc();
    this.turn++;
    this.failures++;
    const { minMs, maxMs } = this.options.retry ?? { minMs: 1000, maxMs: 30_000 };
    const base = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 20));
    const remaining = (this.creds?.notAfter.getTime() ?? 0) - Date.now();
    const delay = Math.max(50, Math.min(base, remaining > 0 ? remaining / 4 : base)) * (0.5 + Math.random());
    this.logger.warn({ err, failures: this.failures, retryInMs: Math.round(delay), validFor: Math.round(remaining / 1000) }, 'certificate renewal failed; keeping the current certificate');
    this.emit('renewal-failed', err);
    this.schedule(delay);
  }

  /**
   * The "renew now" signal of a CA rotation: the bundle lists the signing intermediates, and the
   * one that signed our certificate is no longer among them. An empty list says nothing.
   */
  private renewIfIssuerRetired(intermediates: readonly string[]): void {
    const creds = this.creds;
    if (!creds || intermediates.length === 0) return;
    const issuer = parseCertificates(creds.certChainPem)[1];
    if (!issuer) return;
    const mine = fingerprint(issuer);
    if (this.earlyRenewal === mine) return;
    const listed = new Set(intermediates.flatMap((pem) => parseCertificates(pem).map((c) => fingerprint(c))));
    if (listed.has(mine)) return;
    this.earlyRenewal = mine;
    rotationRenewals.inc();
    const remaining = creds.notAfter.getTime() - Date.now();
    const delay = Math.random() * Math.max(0, Math.min(this.options.rotationSpreadMs ?? 30_000, remaining / 4));
    this.logger.info({ issuer: issuer.subject, renewInMs: Math.round(delay) }, 'the intermediate that signed this certificate was retired from the trust bundle; renewing early');
    this.schedule(delay);
  }

  private watchBundle(attempt: number): void {
    if (this.stopped || !this.creds) return;
    this.watchClient?.close();
    const client = new IdentityClient(this.address, { roots: this.creds.bundle });
    this.watchClient = client;
    this.watch = client.watchTrustBundle(
      (b) => {
        attempt = 0;
        if (!this.creds || b.roots.length === 0) return;
        if (b.roots.join('\n') !== this.creds.bundle.join('\n')) {
          this.creds = { ...this.creds, bundle: b.roots };
          this.logger.info({ roots: b.roots.length }, 'trust bundle changed');
          this.emit('change', this.creds);
        }
        this.intermediates = b.intermediates;
        this.renewIfIssuerRetired(b.intermediates);
      },
      (err) => {
        if (this.stopped) return;
        this.turn++;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random());
        this.logger.warn({ err, retryInMs: Math.round(delay) }, 'trust bundle watch ended; reconnecting');
        setTimeout(() => this.watchBundle(attempt + 1), delay).unref();
      },
    );
  }
}

/** The workload's certificate, key and bundle as a TlsSource (lib/grpc/tls.ts), following every change. */
export function workloadTlsSource(w: WorkloadIdentity): TlsSource {
  const toMaterial = (c: WorkloadCredentials): TlsMaterial => ({ certChainPem: c.certChainPem, keyPem: c.privateKeyPem, rootsPem: c.bundle.join('\n') });
  const source = new MutableTlsSource(w.current ? toMaterial(w.current) : undefined);
  w.on('change', (c: WorkloadCredentials) => source.set(toMaterial(c)));
  return source;
}
