// Reusable zod fields for configuration and API validation.
import { hostname } from 'node:os';
import { z } from 'zod';
import { DNS_LABEL_RE } from '../model/names.js';

export { DNS_LABEL_RE };

/** A DNS-1123 label: lower-case alphanumerics and '-', 1–63 characters. */
export const dnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL_RE, 'must be a DNS-1123 label (lower-case letters, digits and -, starting and ending alphanumeric)');

export const port = z.number().int('must be an integer').min(0, 'must be 0–65535').max(65535, 'must be 0–65535');

/** Accepts an array or a comma-separated string (handy in env vars). */
export function stringList<T extends z.ZodType = z.ZodString>(item?: T) {
  return z.preprocess(splitCommas, z.array(item ?? z.string().min(1)));
}

/** `'a, b'` → `['a', 'b']`; anything else unchanged. For list fields set from env vars. */
export function splitCommas(v: unknown): unknown {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
}

export const listenAddress = (defaultPort: number) =>
  z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(defaultPort),
    })
    .strict();

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function defaultInstanceName(service: string): string {
  return `${service}-${hostname().split('.')[0]}-${process.pid}`;
}
