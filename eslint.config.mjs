// Lint against the classic async bugs of long-lived servers: a floating promise is a lost error.
// And keep the layout's boundaries by tool, not by habit: no import cycles; lib/ imports nothing
// above it; a service, the proxy and the CLI do not import one another; production code never
// imports test code (test/, *.test.ts, fixtures/, testing/).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;
const SERVICES = readdirSync(join(ROOT, 'services'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
/** What counts as test code, wherever it lives. */
const TEST_CODE = ['test/**', '**/*.test.ts', '**/fixtures/**', '**/testing/**'];
/** Shipped code; bench/ and scripts/ are developer tools that may start test servers. */
const PRODUCTION = ['lib/**/*.ts', 'services/**/*.ts', 'proxy/**/*.ts', 'cli/**/*.ts', 'deploy/**/*.ts'];
/** The apps over lib/: none imports another. deploy/ wires them together. */
const APPS = ['proxy', 'cli', 'services'];

const zones = [
  { target: '.', from: TEST_CODE, message: 'Production code must not import test code; move what it needs into lib/.' },
  { target: 'lib', from: ['services', 'proxy', 'cli', 'deploy', 'test', 'bench', 'scripts'], message: 'lib/ is shared code and imports nothing above it.' },
  ...APPS.map((app) => ({
    target: app,
    from: [...APPS.filter((a) => a !== app), 'deploy'],
    message: 'The proxy, the CLI and the services share code through lib/, not by importing one another.',
  })),
  ...SERVICES.map((service) => ({
    target: `services/${service}`,
    from: 'services',
    except: [`./${service}`],
    message: 'A service does not import another service; share the code through lib/.',
  })),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'lib/proto/gen/**', 'bench/results/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: ROOT },
    },
    settings: {
      // Without these, import-x reads no .ts dependency and no-cycle sees no edges.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: join(ROOT, 'tsconfig.json') })],
    },
    rules: {
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: PRODUCTION,
    ignores: TEST_CODE,
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones }],
    },
  },
);
