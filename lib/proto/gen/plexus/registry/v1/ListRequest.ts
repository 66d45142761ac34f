// Original file: proto/plexus/registry/v1/registry.proto

import type { Health as _plexus_registry_v1_Health, Health__Output as _plexus_registry_v1_Health__Output } from '../../../plexus/registry/v1/Health.js';

export interface ListRequest {
  /**
   * empty = all namespaces
   */
  'namespace'?: (string);
  /**
   * empty = all services (requires namespace)
   */
  'service'?: (string);
  /**
   * Kubernetes-style equality selector: "app=web,tier!=db,canary,!legacy".
   */
  'labelSelector'?: (string);
  /**
   * empty = any health
   */
  'health'?: (_plexus_registry_v1_Health)[];
  /**
   * default 100, at most 1000
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListRequest__Output {
  /**
   * empty = all namespaces
   */
  'namespace': (string);
  /**
   * empty = all services (requires namespace)
   */
  'service': (string);
  /**
   * Kubernetes-style equality selector: "app=web,tier!=db,canary,!legacy".
   */
  'labelSelector': (string);
  /**
   * empty = any health
   */
  'health': (_plexus_registry_v1_Health__Output)[];
  /**
   * default 100, at most 1000
   */
  'pageSize': (number);
  'pageToken': (string);
}
