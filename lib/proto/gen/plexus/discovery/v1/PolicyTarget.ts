// Original file: proto/plexus/discovery/v1/status.proto


export interface PolicyTarget {
  /**
   * Route | Resilience | Access | Mesh
   */
  'kind'?: (string);
  'namespace'?: (string);
  'name'?: (string);
}

export interface PolicyTarget__Output {
  /**
   * Route | Resilience | Access | Mesh
   */
  'kind': (string);
  'namespace': (string);
  'name': (string);
}
