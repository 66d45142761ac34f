// Advice about valid policies that are probably not what the operator meant. Returned by
// dry runs and Apply; never blocks a write. One function per kind, named in its kinds.ts entry.
import { formatDuration } from './duration.js';
import type { AccessSpec } from './access.js';
import type { MeshSpec } from './mesh.js';
import type { RouteSpec } from './route.js';

export function routeWarnings(spec: RouteSpec): string[] {
  const out: string[] = [];
  spec.rules.forEach((rule, i) => {
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
    if (i < spec.rules.length - 1 && rule.match === undefined) {
      out.push(`${at} has no match and catches every request: rules after it are never used`);
    }
  });
  return out;
}

export function accessWarnings(spec: AccessSpec): string[] {
  if (spec.rules.length === 0 && spec.defaultAction === undefined) {
    return ['spec has no rules and no defaultAction: the Mesh defaultAccess decides every request'];
  }
  return [];
}

export function meshWarnings(spec: MeshSpec): string[] {
  return spec.mtls.mode === 'PERMISSIVE' ? ['spec.mtls.mode PERMISSIVE lets plaintext callers in as `unauthenticated`: meant for migrations, not to stay'] : [];
}
