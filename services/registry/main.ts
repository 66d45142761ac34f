// The registry binary: `node --import tsx services/registry/main.ts [--config FILE]`.
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_STORE__BACKEND=etcd PLEXUS_STORE__ENDPOINTS=http://127.0.0.1:2379
//   PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222 PLEXUS_GRPC__PORT=7101
//   PLEXUS_REGISTRY__DEFAULT_TTL_SECONDS=15
import { runServiceMain } from '../../lib/service-main.js';
import { registryConfigSchema } from './config.js';
import { startRegistry } from './registry-service.js';

runServiceMain({ service: 'registry', schema: registryConfigSchema, start: startRegistry });
