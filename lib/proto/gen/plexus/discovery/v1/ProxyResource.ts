// Original file: proto/plexus/discovery/v1/status.proto


export interface ProxyResource {
  'type'?: (string);
  'name'?: (string);
  /**
   * Last version sent (or held since resume), acked, and the replica's current version ("" =
   * none / the resource does not exist).
   */
  'sentVersion'?: (string);
  'ackedVersion'?: (string);
  'currentVersion'?: (string);
  /**
   * SYNCED | PENDING | NACKED | STALE | ABSENT (subscribed, but no such resource).
   */
  'state'?: (string);
  /**
   * JSON body of the acked version (else the sent one) when this replica still holds it;
   * empty when it does not.
   */
  'bodyJson'?: (string);
}

export interface ProxyResource__Output {
  'type': (string);
  'name': (string);
  /**
   * Last version sent (or held since resume), acked, and the replica's current version ("" =
   * none / the resource does not exist).
   */
  'sentVersion': (string);
  'ackedVersion': (string);
  'currentVersion': (string);
  /**
   * SYNCED | PENDING | NACKED | STALE | ABSENT (subscribed, but no such resource).
   */
  'state': (string);
  /**
   * JSON body of the acked version (else the sent one) when this replica still holds it;
   * empty when it does not.
   */
  'bodyJson': (string);
}
