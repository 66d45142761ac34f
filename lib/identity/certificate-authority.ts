// Signs X.509-SVIDs with the cluster's intermediate: exactly one URI SAN (the SPIFFE ID the CA
// decided on, never one copied from the request), CA=false, digitalSignature, server+client
// auth, ECDSA P-256 with SHA-256, lifetime clamped to the CA's limits and its own expiry.
import { type CryptoKey, ES256_SIGNING, EC_P256, randomSerial, x509 } from './crypto.js';
import type { SigningCa } from './ca-material.js';
import { formatSpiffeId, type SpiffeServiceId as SpiffeId } from '../model/names.js';

/** Back-dating of notBefore, for peers whose clocks run a little behind. */
const CLOCK_SKEW_MS = 30_000;

export interface TtlLimits {
  defaultSeconds: number;
  minSeconds: number;
  maxSeconds: number;
}

export interface IssuedCertificate {
  cert: x509.X509Certificate;
  pem: string;
  spiffeId: string;
  notAfter: Date;
  ttlSeconds: number;
}

/** 0 (or absent) → default; otherwise clamped into [min, max]. */
export function clampTtl(requested: number | undefined, limits: TtlLimits): number {
  if (requested === undefined || requested <= 0 || !Number.isFinite(requested)) return limits.defaultSeconds;
  return Math.min(limits.maxSeconds, Math.max(limits.minSeconds, Math.floor(requested)));
}

export class CertificateAuthority {
  /** The authority key identifier of the signing intermediate, made once per intermediate. */
  private aki: { for: SigningCa; ext: Promise<x509.AuthorityKeyIdentifierExtension> } | undefined;

  constructor(
    private signing: SigningCa,
    private readonly limits: TtlLimits,
  ) {}

  private authorityKeyId(ca: SigningCa): Promise<x509.AuthorityKeyIdentifierExtension> {
    if (this.aki?.for !== ca) {
      this.aki = { for: ca, ext: ca.cert.publicKey.export(EC_P256, ['verify']).then((k) => x509.AuthorityKeyIdentifierExtension.create(k)) };
    }
    return this.aki.ext;
  }

  /** The intermediate that signs from now on. */
  get intermediate(): SigningCa {
    return this.signing;
  }

  /** Rotation: every certificate issued after this call is signed by `next`. */
  setIntermediate(next: SigningCa): void {
    this.signing = next;
  }

  async issueWorkload(publicKey: x509.PublicKey, id: SpiffeId, requestedTtl: number | undefined, now = new Date()): Promise<IssuedCertificate> {
    const spiffeId = formatSpiffeId(id);
    return this.sign(publicKey, spiffeId, `CN=${id.service}.${id.namespace}, O=Plexus`, [], clampTtl(requestedTtl, this.limits), now);
  }

  /** The identity service's own TLS certificate: its SPIFFE ID plus the DNS names/IPs clients dial. */
  async issueServer(publicKey: CryptoKey, id: SpiffeId, hostNames: string[], ttlSeconds: number, now = new Date()): Promise<IssuedCertificate> {
    const names = hostNames.map((h) => ({ type: /^[\d.]+$|:/.test(h) ? ('ip' as const) : ('dns' as const), value: h }));
    return this.sign(publicKey, formatSpiffeId(id), `CN=${id.service}.${id.namespace}, O=Plexus`, names, ttlSeconds, now);
  }

  private async sign(
    publicKey: x509.PublicKey | CryptoKey,
    spiffeId: string,
    subject: string,
    extraNames: x509.JsonGeneralNames,
    ttlSeconds: number,
    now: Date,
  ): Promise<IssuedCertificate> {
    const ca = this.intermediate;
    const notAfter = new Date(Math.min(now.getTime() + ttlSeconds * 1000, ca.cert.notAfter.getTime()));
    const key = publicKey instanceof x509.PublicKey ? await publicKey.export(EC_P256, ['verify']) : publicKey;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject,
      issuer: ca.cert.subjectName,
      notBefore: new Date(Math.max(now.getTime() - CLOCK_SKEW_MS, ca.cert.notBefore.getTime())),
      notAfter,
      publicKey: key,
      signingKey: ca.key,
      signingAlgorithm: ES256_SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }, ...extraNames]),
        await x509.SubjectKeyIdentifierExtension.create(key),
        await this.authorityKeyId(ca),
      ],
    });
    return { cert, pem: cert.toString('pem'), spiffeId, notAfter, ttlSeconds: Math.round((notAfter.getTime() - now.getTime()) / 1000) };
  }
}

/** The spiffe:// URI SANs of a certificate. */
export function spiffeUrisOf(cert: x509.X509Certificate): string[] {
  const out: string[] = [];
  for (const ext of cert.getExtensions(x509.SubjectAlternativeNameExtension)) {
    for (const n of ext.names.items) if (n.type === 'url' && n.value.startsWith('spiffe://')) out.push(n.value);
  }
  return out;
}
