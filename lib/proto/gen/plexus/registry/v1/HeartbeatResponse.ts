// Original file: proto/plexus/registry/v1/registry.proto


export interface HeartbeatResponse {
  'ttlSeconds'?: (number);
}

export interface HeartbeatResponse__Output {
  'ttlSeconds': (number);
}
