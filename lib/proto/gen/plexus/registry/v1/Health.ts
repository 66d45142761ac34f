// Original file: proto/plexus/registry/v1/registry.proto

export const Health = {
  /**
   * SERVING on Register; not allowed on SetHealth
   */
  HEALTH_UNSPECIFIED: 'HEALTH_UNSPECIFIED',
  HEALTH_SERVING: 'HEALTH_SERVING',
  HEALTH_NOT_SERVING: 'HEALTH_NOT_SERVING',
  HEALTH_DRAINING: 'HEALTH_DRAINING',
} as const;

export type Health =
  /**
   * SERVING on Register; not allowed on SetHealth
   */
  | 'HEALTH_UNSPECIFIED'
  | 0
  | 'HEALTH_SERVING'
  | 1
  | 'HEALTH_NOT_SERVING'
  | 2
  | 'HEALTH_DRAINING'
  | 3

export type Health__Output = typeof Health[keyof typeof Health]
