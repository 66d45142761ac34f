// The config-push binary: `node --import tsx services/config-push/main.ts [--config FILE]`.
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_STORE__BACKEND=etcd PLEXUS_STORE__ENDPOINTS=http://127.0.0.1:2379
//   PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222 PLEXUS_GRPC__PORT=7103
//   PLEXUS_CONFIG_PUSH__DEBOUNCE_MS=10
// Benchmarks start it with `--expose-gc` (NODE_OPTIONS) to measure its heap after a full GC:
// only then does SIGUSR2 run one (bench/mesh-wide.ts), so heap per proxy is live memory, not
// garbage the collector has not reached yet.
import { runServiceMain } from '../../lib/service-main.js';
import { configPushConfigSchema } from './config.js';
import { startConfigPush } from './config-push-service.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (typeof gc === 'function') process.on('SIGUSR2', () => gc());

runServiceMain({ service: 'config-push', schema: configPushConfigSchema, start: startConfigPush });
