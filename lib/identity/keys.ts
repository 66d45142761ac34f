// Store keys of the mesh CA's public material (DESIGN.md "Store"):
//   /plexus/v1/<cluster>/identity/roots/<sha256>           { pem }
//   /plexus/v1/<cluster>/identity/intermediates/<sha256>   { pem, cluster }
//   /plexus/v1/<cluster>/identity/token-keys/<kid>         { jwk }   (public join-token verifying keys)
//   /plexus/v1/<cluster>/identity/revoked/<jti>            { revokedAt, expiresAt, by }
// Never a private key: those stay in files and memory.
import { ROOT } from '../store/keys.js';

export const IDENTITY_SECTIONS = ['roots', 'intermediates', 'token-keys', 'revoked'] as const;
export type IdentitySection = (typeof IDENTITY_SECTIONS)[number];

export function identityPrefix(cluster: string, section?: IdentitySection): string {
  return `${ROOT}/${cluster}/identity/${section === undefined ? '' : `${section}/`}`;
}

export function identityKey(cluster: string, ...parts: string[]): string {
  return `${ROOT}/${cluster}/identity/${parts.join('/')}`;
}

/** `{ section, name }` of a key under identityPrefix(cluster), or undefined for anything else. */
export function parseIdentityKey(cluster: string, key: string): { section: IdentitySection; name: string } | undefined {
  const prefix = identityPrefix(cluster);
  if (!key.startsWith(prefix)) return undefined;
  const [section, name, ...rest] = key.slice(prefix.length).split('/');
  if (rest.length > 0 || !name || !(IDENTITY_SECTIONS as readonly string[]).includes(section ?? '')) return undefined;
  return { section: section as IdentitySection, name };
}
