// Ports for processes we start, without the pick-release-bind race.
//
// A port picked by binding :0 and then released is in the kernel's ephemeral range: before the
// child binds it, any outgoing connection on the machine may be given it as its local port
// (seen: "listen EADDRINUSE" from a proxy at start-up). So:
// - Our own Node programs bind port 0 themselves and report what they got with one
//   machine-readable line on stdout per listener (reportListening), which the launcher reads
//   (lib/process/node-process.ts). A restart asks again for the ports reported the first time.
// - Third-party servers that cannot report a port-0 bind (etcd, ZooKeeper, nats-server) are
//   given a port from outside the ephemeral range (portOutsideEphemeralRange), which outgoing
//   connections never draw from; the bind check catches a listener already there, and their
//   starters retry with new ports on "address already in use" (lib/process/cluster.ts).
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Set to `1` in a child's environment to make it print LISTENING_PREFIX lines. Not a PLEXUS_*
 * name: those are configuration, validated strictly by every program.
 */
export const REPORT_LISTENING_ENV = 'REPORT_LISTENING_TO_LAUNCHER';
/** `plexus-listening {"name":"admin","port":41234,"host":"127.0.0.1"}` */
export const LISTENING_PREFIX = 'plexus-listening ';

export interface ListeningReport {
  /** Which listener: grpc, admin, outbound, inbound, gateway, http, app. */
  name: string;
  host: string;
  port: number;
}

/**
 * Announce a bound listener on stdout, when the launcher asked for it (REPORT_LISTENING_ENV).
 * Written directly, not through the logger: it must appear whatever the log level.
 */
export function reportListening(name: string, host: string, port: number): void {
  if (process.env[REPORT_LISTENING_ENV] !== '1') return;
  process.stdout.write(`${LISTENING_PREFIX}${JSON.stringify({ name, host, port } satisfies ListeningReport)}\n`);
}

/** The LISTENING_PREFIX reports in a chunk of child output (other lines ignored). */
export function parseListeningLines(text: string): ListeningReport[] {
  const out: ListeningReport[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(LISTENING_PREFIX)) continue;
    try {
      const r = JSON.parse(line.slice(LISTENING_PREFIX.length)) as Partial<ListeningReport>;
      if (typeof r.name === 'string' && typeof r.host === 'string' && Number.isInteger(r.port) && r.port! > 0 && r.port! < 65536) {
        out.push({ name: r.name, host: r.host, port: r.port! });
      }
    } catch {
      /* not a report */
    }
  }
  return out;
}

/** The kernel's ephemeral (outgoing) port range; Linux's default when unreadable. */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! > 0 && high! >= low!) return { low: low!, high: high! };
  } catch {
    /* not Linux */
  }
  return { low: 32768, high: 60999 };
}

// Below this: well-known and registered ports people run things on (ours included: 7101–7120,
// 15000–15006, ZooKeeper 2181, etcd 2379/2380, NATS 4222/6222/8222, 8080).
const LOWEST = 16_000;

/** Port numbers outside the ephemeral range and above LOWEST, as [low, high] intervals. */
function candidateIntervals(): Array<[number, number]> {
  const { low, high } = ephemeralPortRange();
  const out: Array<[number, number]> = [];
  if (low - 1 >= LOWEST) out.push([LOWEST, low - 1]);
  if (high + 1 <= 65_535) out.push([Math.max(LOWEST, high + 1), 65_535]);
  if (out.length === 0) throw new Error(`no port outside the ephemeral range ${low}-${high} above ${LOWEST}`);
  return out;
}

/** Whether a listener could be bound on host:port now (bound exclusively, then closed). */
export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port outside the ephemeral range that nothing listens on now, for a server that cannot
 * bind port 0 and report it. Another launcher may still take it before the server binds it:
 * start such servers with a retry on "address already in use" (withPortRetry).
 */
export async function portOutsideEphemeralRange(host = '127.0.0.1', taken: ReadonlySet<number> = new Set()): Promise<number> {
  const intervals = candidateIntervals();
  const size = intervals.reduce((n, [a, b]) => n + b - a + 1, 0);
  for (let attempt = 0; attempt < 50; attempt++) {
    let k = Math.floor(Math.random() * size);
    let port = 0;
    for (const [a, b] of intervals) {
      if (k <= b - a) {
        port = a + k;
        break;
      }
      k -= b - a + 1;
    }
    if (!taken.has(port) && (await canBind(port, host))) return port;
  }
  throw new Error('no free port outside the ephemeral range after 50 tries');
}

/** `count` distinct ports from portOutsideEphemeralRange. */
export async function portsOutsideEphemeralRange(count: number, host = '127.0.0.1'): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < count) out.add(await portOutsideEphemeralRange(host, out));
  return [...out];
}
