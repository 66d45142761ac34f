// Identity benchmark: `tsx bench/identity.ts [--quick]`.
// One identity-service replica (a separate process, as deployed: generated intermediate, etcd +
// NATS), workloads calling it over real mTLS:
//  1. signing: concurrent workloads renew over their open channels for a fixed time; CSR
//     signings/s and the RenewCertificate round trip p50/p99 under that load, then sequentially;
//  2. 1,000 proxies renewing: each renewal on a new connection with that proxy's own current
//     certificate (a TLS handshake each, as WorkloadIdentity does); the identity process's CPU
//     time (from /proc) per renewal and in total.
// CSRs are made before the clock starts: their key generation is the proxies' cost, not the CA's.
// Prints a table and writes bench/results/identity.json.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevRoot } from '../lib/identity/ca-material.js';
import { IdentityClient } from '../lib/identity/identity-client.js';
import { spawnService, startEtcd, startNats } from '../test/harness/index.js';
import { makeCsr } from '../test/identity/support.js';
import { etcdNatsEnv, runBench } from './bench-env.js';
import { fmt, nowMs, printTable, summarize } from './stats.js';

const quick = process.argv.includes('--quick');
const THROUGHPUT_MS = quick ? 4000 : 10_000;
const WARMUP_MS = quick ? 500 : 2000;
const CONCURRENCY = 16;
const SEQUENTIAL = quick ? 200 : 1000;
const PROXIES = 1000;
const RENEW_CONCURRENCY = 32;
const ADMIN = 'bench-admin-token-0000000001';
const TD = 'plexus.local';
const SPIFFE = `spiffe://${TD}/ns/default/svc/bench`;

interface Workload {
  certChainPem: string;
  privateKeyPem: string;
}

/** utime + stime of `pid` in ms (Linux /proc; clock ticks are 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

runBench(async () => {
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const closers: Array<() => unknown> = [];
  try {
    const root = await ensureDevRoot(mkdtempSync(join(tmpdir(), 'plexus-bench-ca-')));
    const rootPem = readFileSync(root.rootCertFile, 'utf8');
    const identity = await spawnService('identity', 'identity-bench', {
      ...etcdNatsEnv('bench', etcd, nats),
      PLEXUS_AUTH__TOKENS: JSON.stringify([{ name: 'ops', token: ADMIN, role: 'admin' }]),
      PLEXUS_CA__ROOT_CERT_FILE: root.rootCertFile,
      PLEXUS_CA__ROOT_KEY_FILE: root.rootKeyFile,
      PLEXUS_CA__GENERATE_INTERMEDIATE: 'true',
      PLEXUS_CA__TOKEN_KEY_FILE: root.tokenKeyFile,
    });
    closers.push(() => identity.stop());
    const pid = identity.process.pid!;
    const admin = new IdentityClient(identity.address, { roots: [rootPem], token: ADMIN });
    closers.push(() => admin.close());
    const { token } = await admin.createJoinToken({ namespace: 'default', service: 'bench', ttlSeconds: 3600 });

    // Certificates for every simulated proxy (first issuance, join token), and a pool of CSRs.
    console.log(`[identity bench] issuing ${PROXIES} workload certificates`);
    const issuer = new IdentityClient(identity.address, { roots: [rootPem], deadlineMs: 30_000 });
    closers.push(() => issuer.close());
    const workloads: Workload[] = [];
    await pool(Array.from({ length: PROXIES }, (_, i) => i), 16, async () => {
      const { csr, keyPem } = await makeCsr([SPIFFE]);
      const res = await issuer.issueCertificate(csr, token);
      workloads.push({ certChainPem: [res.certificate, ...res.chain].join('\n'), privateKeyPem: keyPem });
    });
    const csrs = await Promise.all(Array.from({ length: 64 }, async () => (await makeCsr([SPIFFE])).csr));
    let csrTurn = 0;
    const nextCsr = (): string => csrs[csrTurn++ % csrs.length]!;

    // 1. Signing throughput and latency over open mTLS channels.
    const clients = workloads.slice(0, CONCURRENCY).map((w) => new IdentityClient(identity.address, { roots: [rootPem], clientCert: w, deadlineMs: 30_000 }));
    closers.push(() => clients.forEach((c) => c.close()));
    for (const c of clients) await c.renewCertificate(nextCsr(), 0);
    let measuring = false;
    let stop = false;
    let signed = 0;
    let errors = 0;
    const underLoad: number[] = [];
    const runners = clients.map(async (c) => {
      while (!stop) {
        const t0 = nowMs();
        try {
          await c.renewCertificate(nextCsr(), 0);
          if (measuring) {
            signed++;
            underLoad.push(nowMs() - t0);
          }
        } catch {
          if (measuring) errors++;
        }
      }
    });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpu0 = cpuMs(pid);
    const t0 = nowMs();
    measuring = true;
    await new Promise((r) => setTimeout(r, THROUGHPUT_MS));
    measuring = false;
    const seconds = (nowMs() - t0) / 1000;
    const throughputCpuMs = cpuMs(pid) - cpu0;
    stop = true;
    await Promise.all(runners);
    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const s = nowMs();
      await clients[0]!.renewCertificate(nextCsr(), 0);
      sequential.push(nowMs() - s);
    }

    // 2. 1,000 proxies renewing, each on a new connection with its own certificate.
    console.log(`[identity bench] ${PROXIES} proxies renewing (new connection each)`);
    const cpu1 = cpuMs(pid);
    const r0 = nowMs();
    let renewErrors = 0;
    const renewRtt: number[] = [];
    await pool(workloads, RENEW_CONCURRENCY, async (w) => {
      const c = new IdentityClient(identity.address, { roots: [rootPem], clientCert: w, deadlineMs: 30_000 });
      const s = nowMs();
      try {
        await c.renewCertificate(nextCsr(), 0);
        renewRtt.push(nowMs() - s);
      } catch {
        renewErrors++;
      } finally {
        c.close();
      }
    });
    const renewSeconds = (nowMs() - r0) / 1000;
    const renewCpuMs = cpuMs(pid) - cpu1;

    const result = {
      date: new Date().toISOString(),
      quick,
      loadAverage1m: loadavg()[0]!,
      signing: {
        concurrency: CONCURRENCY,
        seconds,
        signed,
        errors,
        perSecond: signed / seconds,
        cpuMsPerSigning: throughputCpuMs / Math.max(1, signed),
        renewRttUnderLoadMs: summarize(underLoad),
        renewRttSequentialMs: summarize(sequential),
      },
      renewals: {
        proxies: PROXIES,
        concurrency: RENEW_CONCURRENCY,
        seconds: renewSeconds,
        errors: renewErrors,
        identityCpuMs: renewCpuMs,
        cpuMsPerRenewal: renewCpuMs / PROXIES,
        rttMs: summarize(renewRtt),
        // 1,000 proxies with 24 h certificates renew at half-life: 1,000 renewals per 12 h.
        coreShareAt24hTtl: renewCpuMs / (12 * 3600 * 1000),
      },
    };
    printTable('Identity (one replica, real mTLS)', ['measure', 'value'], [
      ['CSR signings/s (16 open channels)', `${fmt(result.signing.perSecond, 0)} (${errors} errors)`],
      ['RenewCertificate RTT under load', `p50 ${fmt(result.signing.renewRttUnderLoadMs.p50)} / p99 ${fmt(result.signing.renewRttUnderLoadMs.p99)} ms`],
      ['RenewCertificate RTT sequential', `p50 ${fmt(result.signing.renewRttSequentialMs.p50)} / p99 ${fmt(result.signing.renewRttSequentialMs.p99)} ms`],
      ['identity CPU per signing (open channel)', `${fmt(result.signing.cpuMsPerSigning)} ms`],
      [`${PROXIES} proxies renewing (new mTLS connection each)`, `${fmt(renewSeconds, 1)} s wall, ${fmt(renewCpuMs / 1000, 2)} s identity CPU, ${renewErrors} errors`],
      ['identity CPU per renewal (handshake + signing)', `${fmt(result.renewals.cpuMsPerRenewal)} ms`],
      ['load average (1 min)', fmt(result.loadAverage1m, 1)],
    ]);
    const dir = join(process.cwd(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'identity.json'), JSON.stringify(result, null, 2));
  } finally {
    for (const c of closers.reverse()) await c();
    await Promise.all([etcd.stop(), nats.stop()]);
  }
});
