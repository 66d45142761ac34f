// Advice about valid policies that are probably not what the operator meant. Returned by
// dry runs and Apply; never blocks a write.
import { formatDuration } from './duration.js';
import type { Policy } from './document.js';

export function policyWarnings(policy: Policy): string[] {
  const out: string[] = [];
  switch (policy.kind) {
    case 'Route':
      policy.spec.rules.forEach((rule, i) => {
        const at = `spec.rules[${i}]`;
        const r = rule.retries;
        if (r && r.perTryTimeout !== undefined && rule.timeout !== undefined && r.perTryTimeout >= rule.timeout && r.attempts > 0) {
          out.push(`${at}.retries.perTryTimeout (${formatDuration(r.perTryTimeout)}) is not below timeout (${formatDuration(rule.timeout)}): retries can never run`);
        }
        if (r && r.attempts > 0 && r.retryOn.includes('5xx')) {
          out.push(`${at}.retries.retryOn includes 5xx: non-idempotent requests (POST) may be repeated`);
        }
        if (rule.fault?.abort && rule.fault.abort.percent === 100) {
          out.push(`${at}.fault.abort fails 100% of matching requests`);
        }
        rule.destinations.forEach((d, j) => {
          if (d.weight === 0) out.push(`${at}.destinations[${j}] has weight 0 and receives no traffic`);
        });
        if (i < policy.spec.rules.length - 1 && rule.match === undefined) {
          out.push(`${at} has no match and catches every request: rules after it are never used`);
        }
      });
      break;
    case 'Access':
      if (policy.spec.rules.length === 0 && policy.spec.defaultAction === undefined) {
        out.push('spec has no rules and no defaultAction: the Mesh defaultAccess decides every request');
      }
      break;
    case 'Mesh':
      if (policy.spec.mtlsMode !== 'disabled') out.push(`spec.mtlsMode ${policy.spec.mtlsMode} is reserved and not enforced yet`);
      break;
    case 'Resilience':
      break;
  }
  return out;
}
