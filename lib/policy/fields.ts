// Field schemas shared by the policy kinds. Messages are written for operators: they appear
// after the field path in plexctl output and in INVALID_ARGUMENT details.
import { z } from 'zod';
import { DNS_LABEL_RE } from '../model/names.js';
import { checkRegex } from './regex.js';

export { DNS_LABEL_RE };
const DNS_LABEL_MSG = 'must be a DNS-1123 label: 1–63 lower-case letters, digits or -, starting and ending alphanumeric';

export const dnsLabel = z.string().regex(DNS_LABEL_RE, DNS_LABEL_MSG);

const LABEL_NAME_RE = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Label keys and values follow Kubernetes rules (optional DNS prefix, 63-char name). */
export const labelKey = z.string().regex(LABEL_NAME_RE, 'must be a label key: optional DNS prefix and /, then 1–63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric');
export const labelValue = z.string().regex(LABEL_VALUE_RE, 'must be a label value: up to 63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric');

/** A label map, e.g. metadata labels or a subset selector. */
export function labelMap(maxEntries = 32) {
  return z
    .record(labelKey, labelValue)
    .refine((m) => Object.keys(m).length <= maxEntries, `must have at most ${maxEntries} entries`);
}

export const percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

// RFC 9110 token characters.
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

/** An HTTP header name (RFC 9110 token, ≤ 128 chars), normalised to lower case. */
export const headerName = z
  .string()
  .regex(HEADER_NAME_RE, 'must be a valid HTTP header name (1–128 token characters: letters, digits and !#$%&\'*+-.^_`|~)')
  .transform((s) => s.toLowerCase());

/** Headers a policy may not set or remove: changing them breaks HTTP framing. */
export const PROTECTED_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'content-length', 'host', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

export const modifiableHeaderName = headerName.refine((h) => !PROTECTED_HEADERS.has(h), {
  message: `must not be one of ${[...PROTECTED_HEADERS].join(', ')} (they control HTTP framing)`,
});

/** A header value: printable, no CR/LF/NUL, ≤ 4096 chars. */
export const headerValue = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL');

/** A regex in the safe subset (see regex.ts). */
export const safeRegex = z.string().superRefine((source, ctx) => {
  const result = checkRegex(source);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
});

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

/** An HTTP method, case-insensitive on input, upper case after normalisation. */
export const httpMethod = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` }));

/** A non-empty list without duplicates. */
export function uniqueList<T extends z.ZodType>(item: T, max: number) {
  return z
    .array(item)
    .min(1, 'must not be empty')
    .max(max, `must have at most ${max} entries`)
    .refine((list) => new Set(list.map((v) => JSON.stringify(v))).size === list.length, 'must not contain duplicates');
}

/** A request path: starts with '/', no whitespace or control characters, ≤ 1024 chars. */
export const requestPath = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(/^\/[^\s\0-\x1f\x7f]*$/, "must start with '/' and contain no whitespace or control characters");
