// Original file: proto/plexus/discovery/v1/status.proto


export interface ProxyStatusRequest {
  /**
   * Optional filters.
   */
  'namespace'?: (string);
  'service'?: (string);
}

export interface ProxyStatusRequest__Output {
  /**
   * Optional filters.
   */
  'namespace': (string);
  'service': (string);
}
