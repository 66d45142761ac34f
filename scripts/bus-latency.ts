// Micro-benchmark: publish→receive latency and throughput through NatsBus (envelope build,
// zod validation on both sides, flush per publish, gap tracking) on a real nats-server,
// next to the raw nats.js floor for the same payloads.
// Usage: npx tsx scripts/bus-latency.ts [latencySamples=2000] [throughputEvents=20000]
import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import type { Envelope } from '../lib/bus/envelope.js';
import { NatsBus } from '../lib/bus/nats-bus.js';
import { startNats } from '../test/harness/index.js';

const samples = Number(process.argv[2] ?? 2000);
const volume = Number(process.argv[3] ?? 20_000);
const data = { id: 'i-123', namespace: 'default', service: 'catalog', address: '10.0.0.7', port: 8080, zone: 'z1', labels: { app: 'catalog', version: 'v1' } };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${name}: p50 ${pct(s, 50).toFixed(3)} ms, p99 ${pct(s, 99).toFixed(3)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(3)} ms (n=${s.length})`;
}

const nats = await startNats();
try {
  const pub = await NatsBus.connect({ servers: [nats.url], cluster: 'bench', source: 'registry/bench' });
  const sub = await NatsBus.connect({ servers: [nats.url], cluster: 'bench', source: 'config-push/bench' });
  let onEvent: (e: Envelope) => void = () => undefined;
  const gaps: string[] = [];
  await sub.subscribe('instance.*', { onEvent: (e) => onEvent(e), onGap: (r, d) => void gaps.push(`${r}: ${d}`) });

  // Latency: one event at a time, publish() call → handler; and publish() call → resolved (flushed).
  const e2e: number[] = [];
  const confirm: number[] = [];
  for (let i = 0; i < samples + 200; i++) {
    const t0 = performance.now();
    const received = new Promise<number>((resolve) => (onEvent = () => resolve(performance.now())));
    await pub.publish({ kind: 'instance.updated', subject: 'default/catalog/i-123', data, revision: i + 1 });
    const t1 = performance.now();
    const t2 = await received;
    if (i >= 200) {
      e2e.push(t2 - t0);
      confirm.push(t1 - t0);
    }
  }

  // Throughput: publishes in windows of 1000 concurrent calls (flushes coalesce), until all received.
  let got = 0;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((r) => (allIn = r));
  onEvent = () => {
    if (++got === volume) allIn();
  };
  const start = performance.now();
  for (let i = 0; i < volume; i += 1000) {
    const n = Math.min(1000, volume - i);
    await Promise.all(Array.from({ length: n }, (_, j) => pub.publish({ kind: 'instance.registered', subject: `s${i + j}`, data, revision: i + j + 1 })));
  }
  await done;
  const secs = (performance.now() - start) / 1000;

  // Raw nats.js floor with the same envelope bytes: request-free pub/sub round trip.
  const a = await connect({ servers: nats.url });
  const b = await connect({ servers: nats.url });
  const payload = JSON.stringify({ specversion: '1.0', data });
  let rawResolve: () => void = () => undefined;
  b.subscribe('raw.x', { callback: () => rawResolve() });
  await b.flush();
  const raw: number[] = [];
  for (let i = 0; i < samples + 200; i++) {
    const t0 = performance.now();
    const got1 = new Promise<void>((r) => (rawResolve = r));
    a.publish('raw.x', payload);
    await got1;
    if (i >= 200) raw.push(performance.now() - t0);
  }
  await a.close();
  await b.close();

  console.log(`nats-server ${nats.url}, node ${process.version}, ${samples} latency samples, ${volume} throughput events`);
  console.log(summary('NatsBus publish→receive', e2e));
  console.log(summary('NatsBus publish() resolved (flushed)', confirm));
  console.log(summary('raw nats.js publish→receive', raw));
  console.log(`NatsBus throughput: ${Math.round(volume / secs)} events/s (${volume} events in ${secs.toFixed(2)} s)`);
  console.log(`gaps reported: ${gaps.length}${gaps.length ? ' — ' + gaps.slice(0, 3).join(' | ') : ''}`);
  await pub.close();
  await sub.close();
} finally {
  await nats.stop();
}
