// Original file: proto/plexus/discovery/v1/status.proto


export interface ResourceVersion {
  'type'?: (string);
  'name'?: (string);
  'version'?: (string);
}

export interface ResourceVersion__Output {
  'type': (string);
  'name': (string);
  'version': (string);
}
