// Original file: proto/plexus/registry/v1/registry.proto

export const RemovalReason = {
  REMOVAL_REASON_UNSPECIFIED: 'REMOVAL_REASON_UNSPECIFIED',
  REMOVAL_REASON_DEREGISTERED: 'REMOVAL_REASON_DEREGISTERED',
  REMOVAL_REASON_EXPIRED: 'REMOVAL_REASON_EXPIRED',
} as const;

export type RemovalReason =
  | 'REMOVAL_REASON_UNSPECIFIED'
  | 0
  | 'REMOVAL_REASON_DEREGISTERED'
  | 1
  | 'REMOVAL_REASON_EXPIRED'
  | 2

export type RemovalReason__Output = typeof RemovalReason[keyof typeof RemovalReason]
