// The import boundaries in eslint.config.mjs fire: run ESLint's Node API over source text placed
// at a path in the tree (nothing is written) and expect the boundary rules' errors. Only the
// import-x rules run, without type information, so this takes a second, not a full lint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { REPO } from '../harness/index.js';

const eslint = new ESLint({
  cwd: REPO,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId.startsWith('import-x/'),
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

const refused = async (filePath: string, code: string, rule: string, why: RegExp): Promise<void> => {
  const found = await problems(filePath, code);
  assert.ok(found.some((p) => p.startsWith(`${rule}:`) && why.test(p)), `${filePath} should be refused by ${rule} (${why}); got ${JSON.stringify(found)}`);
};
const allowed = async (filePath: string, code: string): Promise<void> => {
  assert.deepEqual(await problems(filePath, code), [], `${filePath} should lint clean`);
};

void describe('lint boundaries (eslint.config.mjs)', () => {
  void it('refuses production code importing test code, and lets tests import it', async () => {
    await refused('lib/probe.ts', "export { waitFor } from '../test/harness/index.js';\n", 'import-x/no-restricted-paths', /must not import test code/);
    await refused('deploy/local/probe.ts', "export { startEtcd } from '../../test/harness/index.js';\n", 'import-x/no-restricted-paths', /must not import test code/);
    await refused('services/registry/probe.ts', "export { endpoint } from '../../test/proxy/fixtures.js';\n", 'import-x/no-restricted-paths', /must not import test code/);
    await allowed('services/registry/probe.unit.test.ts', "export { waitFor } from '../../test/harness/index.js';\n");
    await allowed('test/registry/probe.ts', "export { startRegistry } from '../../services/registry/registry-service.js';\n");
  });

  void it('refuses lib importing anything above it', async () => {
    await refused('lib/probe.ts', "export { startRegistry } from '../services/registry/registry-service.js';\n", 'import-x/no-restricted-paths', /lib\/ is shared code/);
    await refused('lib/store/probe.ts', "export { startSidecar } from '../../proxy/sidecar.js';\n", 'import-x/no-restricted-paths', /lib\/ is shared code/);
  });

  void it('refuses a service importing another service, or the proxy, CLI and services importing one another', async () => {
    await refused('services/registry/probe.ts', "export { startPolicyService } from '../policy/policy-service.js';\n", 'import-x/no-restricted-paths', /A service does not import another service/);
    await refused('proxy/probe.ts', "export { startRegistry } from '../services/registry/registry-service.js';\n", 'import-x/no-restricted-paths', /share code through lib/);
    await refused('cli/plexctl/probe.ts', "export { startSidecar } from '../../proxy/sidecar.js';\n", 'import-x/no-restricted-paths', /share code through lib/);
    await allowed('services/registry/probe.ts', "export { registryOptions } from './config.js';\n");
    await allowed('deploy/dev/probe.ts', "export { startRegistry } from '../../services/registry/registry-service.js';\n");
  });

  void it('refuses import cycles', async () => {
    // settings.ts imports exit-codes.ts; exit-codes.ts importing settings.ts closes a cycle.
    await refused('cli/plexctl/exit-codes.ts', "import { DEFAULT_SETTINGS } from './settings.js';\nexport const s = DEFAULT_SETTINGS;\n", 'import-x/no-cycle', /cycle/i);
  });
});
