// Original file: proto/plexus/registry/v1/registry.proto

export const Protocol = {
  /**
   * http1
   */
  PROTOCOL_UNSPECIFIED: 'PROTOCOL_UNSPECIFIED',
  PROTOCOL_HTTP1: 'PROTOCOL_HTTP1',
  PROTOCOL_HTTP2: 'PROTOCOL_HTTP2',
  PROTOCOL_GRPC: 'PROTOCOL_GRPC',
  PROTOCOL_TCP: 'PROTOCOL_TCP',
} as const;

export type Protocol =
  /**
   * http1
   */
  | 'PROTOCOL_UNSPECIFIED'
  | 0
  | 'PROTOCOL_HTTP1'
  | 1
  | 'PROTOCOL_HTTP2'
  | 2
  | 'PROTOCOL_GRPC'
  | 3
  | 'PROTOCOL_TCP'
  | 4

export type Protocol__Output = typeof Protocol[keyof typeof Protocol]
