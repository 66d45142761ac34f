// TLS for the gateway's edge listener: traffic from outside the mesh, with the certificate and
// key the operator gives as files (a public CA's, cert-manager's). No client certificate is
// asked for. The files are polled; a changed pair applies to new connections at once, and a
// half-written or mismatched pair keeps the previous one (logged). Plaintext stays accepted on
// the same port (the listener tells them apart by the first byte).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from '../../lib/errors.js';
import type { ListenerTls } from '../http/listener.js';
import { INBOUND_ALPN } from './mesh-tls.js';

export interface EdgeTlsFiles {
  certFile: string;
  keyFile: string;
}

export interface EdgeTls extends ListenerTls {
  close(): void;
}

export function edgeTls(files: EdgeTlsFiles, logger: Logger, intervalMs = 1000): EdgeTls {
  const read = (): tls.SecureContextOptions => {
    const one = (path: string, field: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new ConfigError([{ path: `gateway.tls.${field}`, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], 'gateway');
      }
    };
    const options = { cert: one(files.certFile, 'certFile'), key: one(files.keyFile, 'keyFile') };
    try {
      tls.createSecureContext(options);
    } catch (err) {
      throw new ConfigError([{ path: 'gateway.tls', message: `certificate and key are not usable together: ${(err as Error).message}` }], 'gateway');
    }
    return options;
  };
  let current = read();
  const server = tls.createServer({ ...current, ALPNProtocols: INBOUND_ALPN, handshakeTimeout: 10_000 });
  const reload = (): void => {
    try {
      const next = read();
      if (next.cert === current.cert && next.key === current.key) return;
      server.setSecureContext(next);
      current = next;
      logger.info({ certFile: files.certFile }, 'gateway TLS certificate changed: in use for new connections');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'gateway TLS files changed but cannot be used; keeping the previous certificate');
    }
  };
  for (const f of [files.certFile, files.keyFile]) watchFile(f, { interval: intervalMs, persistent: false }, reload);
  return {
    server,
    ready: () => true,
    accept: () => true,
    close: () => {
      for (const f of [files.certFile, files.keyFile]) unwatchFile(f, reload);
    },
  };
}
