// Original file: proto/plexus/registry/v1/registry.proto


export interface GetRequest {
  'namespace'?: (string);
  'service'?: (string);
  'instanceId'?: (string);
}

export interface GetRequest__Output {
  'namespace': (string);
  'service': (string);
  'instanceId': (string);
}
