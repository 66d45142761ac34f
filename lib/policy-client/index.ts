// Public surface of the policy client (see policy-client.ts).
export {
  PolicyClient,
  POLICY_PROTO,
  POLICY_SERVICE,
  type ApplyCall,
  type ApplyResponse,
  type PolicyClientOptions,
  type PolicyObject,
  type PolicyRefArgs,
  type WatchEvent,
} from './policy-client.js';
