// Original file: proto/plexus/discovery/v1/status.proto


export interface InstanceTarget {
  'namespace'?: (string);
  'service'?: (string);
  'instanceId'?: (string);
}

export interface InstanceTarget__Output {
  'namespace': (string);
  'service': (string);
  'instanceId': (string);
}
