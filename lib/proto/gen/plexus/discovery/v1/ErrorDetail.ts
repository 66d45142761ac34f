// Original file: proto/plexus/discovery/v1/discovery.proto


export interface ErrorDetail {
  /**
   * gRPC status code, e.g. 3 (INVALID_ARGUMENT).
   */
  'code'?: (number);
  'message'?: (string);
}

export interface ErrorDetail__Output {
  /**
   * gRPC status code, e.g. 3 (INVALID_ARGUMENT).
   */
  'code': (number);
  'message': (string);
}
