// The identity server's TLS material as a grpc-js CertificateProvider, so its own certificate
// and the trusted roots change without a restart. Passed as both identity and CA provider to
// createCertificateProviderServerCredentials with requireClientCertificate=false: the server
// asks for a client certificate (renewal needs it) but first issuance comes without one, and
// grpc-js exposes a peer certificate to handlers only when it verified against these roots.
import * as grpc from '@grpc/grpc-js';

type Provider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdListener = grpc.experimental.IdentityCertificateUpdateListener;

export class MutableCertificateProvider implements Provider {
  private ca: grpc.experimental.CaCertificateUpdate | null = null;
  private identity: grpc.experimental.IdentityCertificateUpdate | null = null;
  private readonly caListeners = new Set<CaListener>();
  private readonly idListeners = new Set<IdListener>();

  setRoots(pems: string[]): void {
    this.ca = { caCertificate: Buffer.from(pems.join('\n')) };
    for (const l of this.caListeners) l(this.ca);
  }

  setIdentity(certChainPem: string, privateKeyPem: string): void {
    this.identity = { certificate: Buffer.from(certChainPem), privateKey: Buffer.from(privateKeyPem) };
    for (const l of this.idListeners) l(this.identity);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // Asynchronously: grpc-js registers its own watcher only after this call returns.
    queueMicrotask(() => {
      if (this.ca && this.caListeners.has(listener)) listener(this.ca);
    });
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdListener): void {
    this.idListeners.add(listener);
    queueMicrotask(() => {
      if (this.identity && this.idListeners.has(listener)) listener(this.identity);
    });
  }
  removeIdentityCertificateListener(listener: IdListener): void {
    this.idListeners.delete(listener);
  }

  credentials(): grpc.ServerCredentials {
    // Arguments are (identity provider, CA provider, requireClientCertificate) at run time,
    // whatever the parameter names in grpc-js's typings say.
    return grpc.experimental.createCertificateProviderServerCredentials(this, this, false);
  }
}
