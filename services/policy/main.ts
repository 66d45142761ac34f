// Policy service entry point: config → runtime → service → signal handlers.
//   node --import tsx services/policy/main.ts [--config FILE]
// Configuration: YAML (--config or $PLEXUS_CONFIG) and PLEXUS_* variables, e.g.
//   PLEXUS_STORE__BACKEND=etcd PLEXUS_STORE__ENDPOINTS=http://127.0.0.1:2379
//   PLEXUS_BUS__KIND=nats PLEXUS_BUS__SERVERS=nats://127.0.0.1:4222 PLEXUS_GRPC__PORT=7102
//   PLEXUS_AUTH__TOKENS='[{"name":"ops","token":"<at least 16 chars>","role":"admin"}]'
// See config.ts for auth (the default refuses every call until tokens are configured).
import { runServiceMain } from '../../lib/service-main.js';
import { policyConfigSchema } from './config.js';
import { startPolicyService } from './policy-service.js';

runServiceMain({ service: 'policy', schema: policyConfigSchema, start: startPolicyService });
