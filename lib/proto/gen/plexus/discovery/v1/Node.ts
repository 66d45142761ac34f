// Original file: proto/plexus/discovery/v1/discovery.proto


/**
 * Identity of the proxy (its registered instance).
 */
export interface Node {
  'instanceId'?: (string);
  'namespace'?: (string);
  'service'?: (string);
  'cluster'?: (string);
  'zone'?: (string);
  'labels'?: ({[key: string]: string});
  /**
   * Proxy software version, for status output.
   */
  'proxyVersion'?: (string);
  /**
   * Protocol extensions this proxy understands; the server uses none it does not name, so an
   * older proxy keeps getting what it always got. Known: "endpoints-delta" (Resource.delta).
   */
  'capabilities'?: (string)[];
}

/**
 * Identity of the proxy (its registered instance).
 */
export interface Node__Output {
  'instanceId': (string);
  'namespace': (string);
  'service': (string);
  'cluster': (string);
  'zone': (string);
  'labels': ({[key: string]: string});
  /**
   * Proxy software version, for status output.
   */
  'proxyVersion': (string);
  /**
   * Protocol extensions this proxy understands; the server uses none it does not name, so an
   * older proxy keeps getting what it always got. Known: "endpoints-delta" (Resource.delta).
   */
  'capabilities': (string)[];
}
