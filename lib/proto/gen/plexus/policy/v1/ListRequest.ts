// Original file: proto/plexus/policy/v1/policy.proto


export interface ListRequest {
  /**
   * Empty: all kinds.
   */
  'kind'?: (string);
  /**
   * Empty: all namespaces.
   */
  'namespace'?: (string);
  /**
   * Kubernetes-style: `k=v,k!=v,k,!k,k in (a,b),k notin (a,b)`.
   */
  'labelSelector'?: (string);
  /**
   * 1–1000, default 100.
   */
  'pageSize'?: (number);
  /**
   * From a previous ListResponse.next_page_token.
   */
  'pageToken'?: (string);
}

export interface ListRequest__Output {
  /**
   * Empty: all kinds.
   */
  'kind': (string);
  /**
   * Empty: all namespaces.
   */
  'namespace': (string);
  /**
   * Kubernetes-style: `k=v,k!=v,k,!k,k in (a,b),k notin (a,b)`.
   */
  'labelSelector': (string);
  /**
   * 1–1000, default 100.
   */
  'pageSize': (number);
  /**
   * From a previous ListResponse.next_page_token.
   */
  'pageToken': (string);
}
