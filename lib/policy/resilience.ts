// Resilience: how callers treat one destination service (`<metadata.namespace>/<metadata.name>`):
// load balancing, circuit breaking (connection/request limits), outlier detection, panic
// threshold and locality failover. Omitted sections take the defaults filled in here, so a
// normalised Resilience policy is explicit.
import { z } from 'zod';
import { duration } from './duration.js';
import { headerName, percent } from './fields.js';

export const LB_POLICIES = ['round_robin', 'least_request', 'random', 'consistent_hash'] as const;

export const loadBalancerSchema = z
  .strictObject({
    policy: z.enum(LB_POLICIES, { error: `must be one of ${LB_POLICIES.join(', ')}` }).default('round_robin'),
    /** Request header whose value is hashed; required for (and only for) consistent_hash. */
    hashHeader: headerName.optional(),
  })
  .superRefine((lb, ctx) => {
    if (lb.policy === 'consistent_hash' && lb.hashHeader === undefined) {
      ctx.addIssue({ code: 'custom', path: ['hashHeader'], message: 'is required when policy is consistent_hash' });
    }
    if (lb.policy !== 'consistent_hash' && lb.hashHeader !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['hashHeader'], message: 'is only allowed when policy is consistent_hash' });
    }
  });

const limit = z.number().int('must be an integer').min(1, 'must be between 1 and 1000000').max(1_000_000, 'must be between 1 and 1000000');

/** Per caller proxy and destination service; a request over a limit fails fast with 503. */
export const circuitBreakerSchema = z.strictObject({
  maxConnections: limit.default(1024),
  maxPendingRequests: limit.default(1024),
  maxRequests: limit.default(1024),
  maxRetries: limit.default(3),
});

const count = z.number().int('must be an integer').min(1, 'must be between 1 and 1000').max(1000, 'must be between 1 and 1000');

export const outlierDetectionSchema = z.strictObject({
  /** Eject an instance after this many consecutive 5xx responses. */
  consecutive5xx: count.default(5),
  /** Eject an instance after this many consecutive connect failures/resets. */
  consecutiveConnectErrors: count.default(5),
  /** How often ejections are evaluated and expired. */
  interval: duration(100, 300_000).default(10_000),
  /** Ejection time = baseEjectionTime × number of times ejected. */
  baseEjectionTime: duration(1_000, 3_600_000).default(30_000),
  maxEjectionPercent: percent.default(10),
});

export const resilienceSpecSchema = z.strictObject({
  loadBalancer: loadBalancerSchema.default({ policy: 'round_robin' }),
  circuitBreaker: circuitBreakerSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  /** Below this share of healthy instances, balance over all instances (Envoy's panic mode). */
  panicThreshold: percent.default(50),
  /** Prefer the caller's zone and fail over to other zones (and later clusters) when it has none healthy. */
  localityFailover: z.boolean().default(true),
});

export type ResilienceSpec = z.output<typeof resilienceSpecSchema>;
export type LoadBalancer = z.output<typeof loadBalancerSchema>;
export type CircuitBreaker = z.output<typeof circuitBreakerSchema>;
export type OutlierDetection = z.output<typeof outlierDetectionSchema>;
