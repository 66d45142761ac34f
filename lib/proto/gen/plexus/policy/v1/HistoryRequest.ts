// Original file: proto/plexus/policy/v1/policy.proto


export interface HistoryRequest {
  'kind'?: (string);
  'namespace'?: (string);
  'name'?: (string);
  /**
   * Most recent first; default 20, at most the service's history limit.
   */
  'limit'?: (number);
}

export interface HistoryRequest__Output {
  'kind': (string);
  'namespace': (string);
  'name': (string);
  /**
   * Most recent first; default 20, at most the service's history limit.
   */
  'limit': (number);
}
