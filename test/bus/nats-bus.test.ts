// NatsBus against a real nats-server (one per file): the shared cases of conformance.ts, then
// malformed traffic, server pause and restart, unreachable server, slow consumer, clean close.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createBus } from '../../lib/bus/index.js';
import { NatsBus, type NatsBusOptions } from '../../lib/bus/nats-bus.js';
import { isPlexusError, UnavailableError } from '../../lib/errors.js';
import { portOutsideEphemeralRange, startNats, waitFor, type NatsServer } from '../harness/index.js';
import { busConformance } from './conformance.js';
import { captureLogger, counterValue, envelope, recorder, withoutField } from './support.js';

let nats: NatsServer;
const open: NatsBus[] = [];

async function bus(cluster: string, source: string, extra: Partial<NatsBusOptions> = {}): Promise<NatsBus> {
  const b = await NatsBus.connect({ servers: [nats.url], cluster, source, reconnectTimeWaitMs: 100, reconnectJitterMs: 100, ...extra });
  open.push(b);
  return b;
}

async function rawConnection(): Promise<NatsConnection> {
  return connect({ servers: nats.url });
}

void describe('NatsBus on a real nats-server', () => {
  before(async () => {
    nats = await startNats();
  });
  let raw: NatsConnection | undefined;
  after(async () => {
    await raw?.close();
    await Promise.all(open.map((b) => b.close()));
    await nats.stop();
  });

  busConformance('nats', {
    bus: (cluster, source) => bus(cluster, source),
    publishRaw: async (subject, payload) => {
      raw ??= await rawConnection();
      raw.publish(subject, payload);
      await raw.flush();
    },
  });

  void it('logs, counts and drops malformed messages, and keeps working', async () => {
    const { logger, lines } = captureLogger();
    const sub = await bus('mf', 'config-push/r1', { logger });
    const pub = await bus('mf', 'registry/r1');
    const rec = recorder();
    await sub.subscribe('>', rec.handler);
    const before = await counterValue('plexus_bus_malformed_events_total', { transport: 'nats' });
    const raw = await rawConnection();
    raw.publish('plexus.mf.instance.registered', 'garbage {{{');
    raw.publish('plexus.mf.instance.registered', JSON.stringify(withoutField(envelope({ cluster: 'mf' }), 'epoch')));
    raw.publish('plexus.mf.policy.applied', new Uint8Array([0xc3, 0x28]));
    await raw.flush();
    await raw.close();
    await pub.publish({ kind: 'instance.registered', subject: 'after', data: null, revision: 1 });
    await waitFor('valid event after garbage', () => rec.events.length === 1);
    assert.equal(rec.events[0]?.subject, 'after');
    assert.equal(sub.stats().malformed, 3);
    assert.equal((await counterValue('plexus_bus_malformed_events_total', { transport: 'nats' })) - before, 3);
    const warns = lines.filter((l) => l.level === 40 && l.msg === 'dropped malformed event');
    assert.equal(warns.length, 3);
    assert.equal(warns[0]?.preview, 'garbage {{{');
    assert.match(String(warns[1]?.reason), /epoch/);
    assert.match(String(warns[2]?.reason), /UTF-8/);
  });

  void it('bounds publish while the server does not answer', async () => {
    const pub = await bus('pz', 'registry/r1', { publishTimeoutMs: 500 });
    await nats.process.pause();
    try {
      // SIGSTOP is asynchronous: make sure the server is really stopped before publishing.
      await waitFor('nats-server stopped', async () => (await readFile(`/proc/${nats.process.pid}/stat`, 'utf8')).split(' ')[2] === 'T');
      const started = Date.now();
      await assert.rejects(pub.publish({ kind: 'policy.applied', subject: 'x', data: null, revision: 1 }), UnavailableError);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      nats.process.resume();
    }
    await pub.publish({ kind: 'policy.applied', subject: 'y', data: null, revision: 2 });
  });

  void it('survives a server restart: reconnect gap, publish fails fast while down, delivery resumes', async () => {
    const pub = await bus('rs', 'registry/r1');
    const sub = await bus('rs', 'config-push/r1');
    const pubRec = recorder();
    const rec = recorder();
    await sub.subscribe('instance.*', rec.handler);
    await pub.subscribe('policy.*', pubRec.handler);
    await pub.publish({ kind: 'instance.registered', subject: 'before', data: null, revision: 1 });
    await waitFor('first event', () => rec.events.length === 1);

    await nats.process.kill();
    // Once the client has noticed, publishing fails at once with UnavailableError instead of buffering.
    await waitFor('publish to fail while NATS is down', async () => {
      try {
        await pub.publish({ kind: 'instance.registered', subject: 'lost', data: null, revision: 2 });
        return false;
      } catch (err) {
        return isPlexusError(err, 'UNAVAILABLE');
      }
    });
    await nats.process.start();

    await waitFor('reconnect gap at the subscriber', () => rec.gaps.some((g) => g.reason === 'reconnect'), { timeoutMs: 15_000 });
    await waitFor('reconnect gap at the publisher', () => pubRec.gaps.some((g) => g.reason === 'reconnect'), { timeoutMs: 15_000 });
    // The publisher may still be a moment behind the subscriber in reconnecting.
    await waitFor('publish after restart', async () => {
      try {
        await pub.publish({ kind: 'instance.registered', subject: 'after', data: null, revision: 3 });
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 15_000 });
    await waitFor('delivery resumes', () => rec.events.some((e) => e.subject === 'after'), { timeoutMs: 15_000 });
    assert.ok(!rec.events.some((e) => e.subject === 'lost'));
    // The failed publishes spent their sequence numbers: the hole is visible too.
    assert.ok(rec.gaps.some((g) => g.reason === 'sequence-gap'), JSON.stringify(rec.gaps));
    assert.ok((await counterValue('plexus_bus_gaps_total', { transport: 'nats', reason: 'reconnect' })) >= 2);
  });

  void it('reports a slow consumer and keeps delivering afterwards', async () => {
    const pub = await bus('sl', 'registry/r1');
    const sub = await bus('sl', 'config-push/r1', { pendingLimits: { messages: 20, bytes: 1024 * 1024 } });
    const rec = recorder();
    await sub.subscribe('instance.*', {
      onEvent: (e) => {
        const until = Date.now() + 1;
        while (Date.now() < until) {
          /* a handler slower than the publisher */
        }
        rec.handler.onEvent(e);
      },
      onGap: rec.handler.onGap,
    });
    const burst = 500;
    await Promise.all(
      Array.from({ length: burst }, (_, i) => pub.publish({ kind: 'instance.updated', subject: `s${i}`, data: { i }, revision: i + 1 })),
    );
    await waitFor('slow-consumer gap', () => rec.gaps.some((g) => g.reason === 'slow-consumer'), { timeoutMs: 15_000 });
    assert.match(rec.gaps.find((g) => g.reason === 'slow-consumer')?.detail ?? '', /dropped \d+ message/);
    assert.ok(rec.events.length < burst, `dropped some: got ${rec.events.length}`);
    // Once the backlog has drained, events flow again (a publish that lands on a still-full
    // backlog is dropped and reported like the others, hence more than one try).
    let n = 0;
    await waitFor('a later event to be delivered', async () => {
      await pub.publish({ kind: 'instance.updated', subject: `later-${++n}`, data: null, revision: burst + n });
      await new Promise((r) => setTimeout(r, 20));
      return rec.events.some((e) => e.subject.startsWith('later-'));
    }, { timeoutMs: 15_000 });
    // The drops also show as a sequence jump when the next event arrives.
    assert.ok(rec.gaps.some((g) => g.reason === 'sequence-gap'));
  });

  void it('throws UnavailableError in bounded time when no server is reachable at start', async () => {
    const closedPort = await portOutsideEphemeralRange();
    let started = Date.now();
    await assert.rejects(NatsBus.connect({ servers: [`127.0.0.1:${closedPort}`], cluster: 'dn', source: 'registry/r1' }), UnavailableError);
    assert.ok(Date.now() - started < 5000, `refused: took ${Date.now() - started} ms`);
    // A peer that accepts TCP but never speaks NATS: the connect timeout bounds the wait.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    started = Date.now();
    await assert.rejects(
      createBus({ kind: 'nats', servers: [`nats://127.0.0.1:${port}`] }, { cluster: 'dn', service: 'registry', replica: 'r1' }, captureLogger().logger),
      (err: unknown) => isPlexusError(err, 'UNAVAILABLE'),
    );
    const took = Date.now() - started;
    assert.ok(took >= 1500 && took < 6000, `silent server: took ${took} ms`);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  void it('close() leaves no handles: a process that used a bus exits by itself', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/bus-lifecycle.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, nats.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, `child did not exit cleanly by itself:\n${out}`);
    const report = JSON.parse(out.trim()) as { got: number; stats: { published: number; received: number } };
    assert.equal(report.got, 2);
    assert.equal(report.stats.published, 2);
  });
});
