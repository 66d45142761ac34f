// Original file: proto/plexus/registry/v1/registry.proto

export const ChangeType = {
  CHANGE_TYPE_UNSPECIFIED: 'CHANGE_TYPE_UNSPECIFIED',
  /**
   * created or replaced
   */
  CHANGE_TYPE_PUT: 'CHANGE_TYPE_PUT',
  CHANGE_TYPE_DELETE: 'CHANGE_TYPE_DELETE',
} as const;

export type ChangeType =
  | 'CHANGE_TYPE_UNSPECIFIED'
  | 0
  /**
   * created or replaced
   */
  | 'CHANGE_TYPE_PUT'
  | 1
  | 'CHANGE_TYPE_DELETE'
  | 2

export type ChangeType__Output = typeof ChangeType[keyof typeof ChangeType]
