// Identity service (the mesh CA) entry point: config → runtime → service → signal handlers.
//   node --import tsx services/identity/main.ts [--config FILE]
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_CA__ROOT_CERT_FILE=/etc/plexus/ca/root.pem PLEXUS_CA__ROOT_KEY_FILE=/etc/plexus/ca/root-key.pem
//   PLEXUS_CA__GENERATE_INTERMEDIATE=true PLEXUS_CA__TOKEN_KEY_FILE=/etc/plexus/ca/token-key.pem
//   PLEXUS_AUTH__TOKENS='[{"name":"ops","token":"<at least 16 chars>","role":"admin"}]'
// See config.ts for every field; lib/identity/ca-material.ts ensureDevRoot() makes dev files.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../lib/config/load.js';
import { runMain } from '../../lib/lifecycle.js';
import { createRuntime } from '../../lib/runtime.js';
import { identityConfigSchema } from './config.js';
import { startIdentityService } from './identity-service.js';

runMain('identity', async () => {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
  const config = loadConfig(identityConfigSchema, values.config === undefined ? {} : { file: values.config });
  const runtime = await createRuntime('identity', config);
  try {
    const handle = await startIdentityService(runtime, config);
    runtime.logger.info({ grpc: handle.address, admin: runtime.admin.url, store: runtime.store.backend, bus: runtime.bus.kind }, 'identity ready');
  } catch (err) {
    await runtime.lifecycle.shutdown('start-up failed');
    throw err;
  }
  runtime.lifecycle.installSignalHandlers();
});
