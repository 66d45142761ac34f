// Original file: proto/plexus/discovery/v1/status.proto


export interface ProxyConfigRequest {
  'instanceId'?: (string);
}

export interface ProxyConfigRequest__Output {
  'instanceId': (string);
}
