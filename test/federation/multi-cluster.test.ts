// `npm run local -- --clusters 2` (deploy/local/multi-cluster.ts) end to end: east on etcd, west
// on ZooKeeper, each a whole local mesh with its own federation service and linked NATS. A
// ServiceExport applied in east with plexctl makes west's frontend proxy receive east's catalog
// instances (cluster east, priority 1), `plexctl get imports` in west shows them, west's gateway
// keeps answering, and deleting the export removes them from west within 5 s.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { multiClusterLines, startMultiCluster, type FederatedCluster, type MultiCluster } from '../../deploy/local/multi-cluster.js';
import { waitFor } from '../harness/index.js';
import { describeRun, plexctl } from '../e2e/support.js';
import { importedEndpoints, settings } from './multi-cluster-support.js';

describe('two federated local clusters', { timeout: 600_000 }, () => {
  let mc: MultiCluster;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-multi-'));
    mc = await startMultiCluster({ logLevel: 'warn', dataDir: dir });
  });
  after(async () => {
    await mc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('links the clusters\' NATS with credentials: east accepts west\'s certificate identity, listed in .plexus-local', async () => {
    const [east] = mc.clusters as [FederatedCluster, FederatedCluster];
    const creds = mc.leafCredentials;
    assert.ok(creds.spoke.certFile.startsWith(join(dir, 'nats-leaf')), creds.spoke.certFile);
    assert.ok((await readFile(creds.hub.leafUsersFile, 'utf8')).includes(`"${creds.identity}"`), 'east lists west\'s identity');
    await waitFor('west linked to east', async () => ((await (await fetch(`${east.nats.monitorUrl}/leafz`)).json()) as { leafnodes: number }).leafnodes === 1);
    assert.ok(multiClusterLines(mc, Date.now()).some((l) => l.includes(creds.identity)));
  });

  it('exports catalog from east; west imports it and its proxies get east endpoints; unexport removes them', async () => {
    const [east, west] = mc.clusters as [FederatedCluster, FederatedCluster];
    const exportDoc = 'apiVersion: plexus.dev/v1\nkind: ServiceExport\nmetadata: {name: catalog}\nspec: {peers: [west]}\n';
    const docFile = join(dir, 'export.yaml');
    await writeFile(docFile, exportDoc);
    const applied = await plexctl(['apply', '-f', docFile], settings(east));
    assert.equal(applied.code, 0, describeRun('apply ServiceExport', applied));

    const frontend = west.mesh.proxies.find((p) => p.name === 'frontend-v1')!;
    const eastCatalogs = () => importedEndpoints(frontend.adminPort, 'east', 'catalog');
    await waitFor('west frontend proxy to hold east catalog endpoints', async () => (await eastCatalogs()).length === 2, { timeoutMs: 30_000 });
    assert.ok((await eastCatalogs()).every((e) => e.cluster === 'east' && e.priority === 1 && e.gateway?.port === east.eastWest.passthroughPort));

    const imports = await plexctl(['get', 'imports', '--insecure', '-o', 'json'], { ...settings(west), PLEXCTL_CA_FILE: '' });
    assert.equal(imports.code, 0, describeRun('get imports', imports));
    const parsed = JSON.parse(imports.stdout) as { peers: Array<{ peer: string; services: Array<{ service: string; instances: number }> }> };
    assert.deepEqual(parsed.peers[0]!.services.map((s) => [s.service, s.instances]), [['default/catalog', 2]]);

    const res = await fetch(`${west.mesh.gatewayUrl}/`);
    assert.equal(res.status, 200);
    await res.body?.cancel();

    const deleted = await plexctl(['delete', 'serviceexport', 'catalog'], settings(east));
    assert.equal(deleted.code, 0, describeRun('delete ServiceExport', deleted));
    const t0 = Date.now();
    await waitFor('east catalog gone from west proxies', async () => (await eastCatalogs()).length === 0, { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 <= 5000);
  });
});
