// Original file: proto/plexus/policy/v1/policy.proto


export interface GetRequest {
  'kind'?: (string);
  /**
   * default "default"
   */
  'namespace'?: (string);
  'name'?: (string);
}

export interface GetRequest__Output {
  'kind': (string);
  /**
   * default "default"
   */
  'namespace': (string);
  'name': (string);
}
