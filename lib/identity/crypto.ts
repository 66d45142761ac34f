// The crypto primitives of the mesh CA, all ECDSA P-256 over Node's WebCrypto, X.509 through
// @peculiar/x509 (no hand-written ASN.1). Keys that TLS needs are PEM in memory only.
import { createHash, createPublicKey, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// The tree compiles without the DOM lib, so name Node's WebCrypto types here.
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export { x509 };

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ES256_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const subtle = webcrypto.subtle;

/**
 * A fresh P-256 key pair. `extractable` only when the private key must be handed to Node's TLS
 * (which takes PEM); even then it stays in memory.
 */
export async function generateP256(extractable: boolean): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_P256, extractable, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports a PKCS#8 `PRIVATE KEY` PEM of a P-256 key for signing. */
export async function importP256PrivateKey(pem: string, extractable = false): Promise<CryptoKey> {
  const blocks = x509.PemConverter.decodeWithHeaders(pem).filter((b) => b.type === 'PRIVATE KEY');
  if (blocks.length !== 1) throw new Error('expected exactly one PKCS#8 "PRIVATE KEY" PEM block (convert EC keys with `openssl pkcs8 -topk8 -nocrypt`)');
  return subtle.importKey('pkcs8', blocks[0]!.rawData, EC_P256, extractable, ['sign']);
}

/** The public half of a PKCS#8 private key PEM, as a WebCrypto verify key. */
export async function publicKeyFromPrivatePem(pem: string): Promise<CryptoKey> {
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return subtle.importKey('spki', spki, EC_P256, true, ['verify']);
}

export function fingerprint(cert: x509.X509Certificate): string {
  return createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
}

export function randomSerial(): string {
  // 16 random bytes, top bit cleared so the DER INTEGER stays positive.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f | 0x01;
  return Buffer.from(bytes).toString('hex');
}

/** Parses every CERTIFICATE block of a PEM text. */
export function parseCertificates(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decodeWithHeaders(pem)
    .filter((b) => b.type === 'CERTIFICATE')
    .map((b) => new x509.X509Certificate(b.rawData));
}

export function isP256(key: x509.PublicKey): boolean {
  const alg = key.algorithm as webcrypto.EcKeyAlgorithm;
  return alg.name === 'ECDSA' && alg.namedCurve === 'P-256';
}
