// Original file: proto/plexus/discovery/v1/status.proto

import type { ProxyInfo as _plexus_discovery_v1_ProxyInfo, ProxyInfo__Output as _plexus_discovery_v1_ProxyInfo__Output } from '../../../plexus/discovery/v1/ProxyInfo.js';
import type { ProxyResource as _plexus_discovery_v1_ProxyResource, ProxyResource__Output as _plexus_discovery_v1_ProxyResource__Output } from '../../../plexus/discovery/v1/ProxyResource.js';

export interface ProxyConfigResponse {
  'proxy'?: (_plexus_discovery_v1_ProxyInfo | null);
  'resources'?: (_plexus_discovery_v1_ProxyResource)[];
}

export interface ProxyConfigResponse__Output {
  'proxy': (_plexus_discovery_v1_ProxyInfo__Output | null);
  'resources': (_plexus_discovery_v1_ProxyResource__Output)[];
}
