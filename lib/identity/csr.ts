// Checks a workload's PKCS#10 request before anything is signed: one PEM block of bounded size,
// a P-256 key, a signature that verifies, and the spiffe:// URI SANs it asks for. Every other
// requested name or extension is ignored: the CA sets the certificate's contents itself.
import { ValidationError } from '../errors.js';
import { isP256, x509 } from './crypto.js';

/** Far above a real P-256 CSR (~500 bytes); bigger input is refused before parsing. */
const SAN_OID = '2.5.29.17';

export const MAX_CSR_BYTES = 16 * 1024;

export interface ParsedCsr {
  csr: x509.Pkcs10CertificateRequest;
  /** The requested spiffe:// URIs (usually exactly one). */
  requestedIds: string[];
}

function bad(message: string): never {
  throw new ValidationError([{ path: 'csr', message }]);
}

export async function parseCsr(pem: string): Promise<ParsedCsr> {
  if (typeof pem !== 'string' || pem.length === 0) bad('is required (PKCS#10 PEM)');
  if (Buffer.byteLength(pem) > MAX_CSR_BYTES) bad(`is larger than ${MAX_CSR_BYTES} bytes`);
  let blocks: ReturnType<typeof x509.PemConverter.decodeWithHeaders>;
  try {
    blocks = x509.PemConverter.decodeWithHeaders(pem);
  } catch {
    return bad('is not PEM');
  }
  const requests = blocks.filter((b) => b.type === 'CERTIFICATE REQUEST');
  if (requests.length !== 1 || blocks.length !== 1) bad('must be exactly one "CERTIFICATE REQUEST" PEM block');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(requests[0]!.rawData);
  } catch {
    return bad('is not a valid PKCS#10 request');
  }
  let p256 = false;
  try {
    p256 = isP256(csr.publicKey);
  } catch {
    p256 = false;
  }
  if (!p256) bad('key must be ECDSA P-256');
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) bad('signature does not verify');
  const requestedIds: string[] = [];
  try {
    for (const ext of csr.getExtensions(SAN_OID)) {
      const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
      for (const n of san.names.items) if (n.type === 'url' && n.value.startsWith('spiffe://')) requestedIds.push(n.value);
    }
  } catch {
    bad('has an unreadable subjectAltName extension');
  }
  if (requestedIds.length === 0) bad('must request the workload SPIFFE ID as a URI subjectAltName');
  return { csr, requestedIds };
}
