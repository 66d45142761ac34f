// Fault injection from a route rule (for resilience testing): a delay before the request is
// forwarded and/or an immediate abort with a status, each applied to a percentage of requests.
// Both are decided up front, as Envoy's fault filter does (delay first, then abort).
import type { RouteRule } from '../../lib/mesh/resources.js';

export interface FaultDecision {
  delayMs: number;
  abortStatus: number | undefined;
}

export type FaultInjector = (random?: () => number) => FaultDecision | undefined;

export function compileFault(fault: RouteRule['fault']): FaultInjector | null {
  if (!fault || (!fault.delay && !fault.abort)) return null;
  const { delay, abort } = fault;
  return (random = Math.random) => {
    const delayMs = delay && delay.durationMs > 0 && random() * 100 < delay.percent ? delay.durationMs : 0;
    const abortStatus = abort && random() * 100 < abort.percent ? abort.httpStatus : undefined;
    if (delayMs === 0 && abortStatus === undefined) return undefined;
    return { delayMs, abortStatus };
  };
}
