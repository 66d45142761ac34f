// Traffic mirroring: a copy of a request goes to a host of the mirror subset, fire-and-forget.
// The copy's response is discarded and its failures are ignored (they never touch the real
// request, its retries or outlier detection). A request body is mirrored only when it was
// kept whole in the replay buffer; bigger bodies are not mirrored. As in Envoy, the mirrored
// request's authority gets a `-shadow` suffix so the receiver can tell copies apart.
import type { Cluster } from '../upstream/cluster.js';
import type { Destination } from '../routing/route-table.js';
import { startTry, type TryRequest } from './upstream-try.js';

const MIRROR_TIMEOUT_MS = 10_000;

export function sendMirror(cluster: Cluster, dest: Destination, request: TryRequest, body: Buffer | undefined): void {
  if (request.hasBody && body === undefined) return;
  // A fast-path body kept in its chunked framing is not re-framed for the copy.
  if (request.framing === 'chunked') return;
  const host = cluster.pick(dest.key, dest.subset, {});
  if (!host) return;
  const copy: TryRequest = {
    method: request.method,
    path: request.path,
    authority: `${request.authority.replace(/:\d+$/, '')}-shadow`,
    headers: { ...request.headers, 'x-plexus-mirror': '1' },
    hasBody: request.hasBody,
    ...(request.fast ? { fast: true } : {}),
  };
  if (body !== undefined && request.hasBody) copy.headers['content-length'] = String(body.length);
  delete copy.headers['transfer-encoding'];
  const timer = setTimeout(() => t.abort(), MIRROR_TIMEOUT_MS);
  timer.unref();
  const t = startTry(cluster.pool, host, copy, {
    onResponse: (r) => {
      clearTimeout(timer);
      r.body.on('error', () => undefined);
      r.body.resume();
    },
    onFailure: () => clearTimeout(timer),
  });
  t.sink.on('error', () => undefined);
  if (request.hasBody) t.sink.end(body);
}
