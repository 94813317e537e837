import { createHash } from 'node:crypto';

/** Namespace of Bistand's name-based ids (RFC 9562 version 5 UUIDs). */
const BISTAND_NAMESPACE = Buffer.from('6f1d3c52a8e94b0c9d3e1f2a4b5c6d7e', 'hex');

/** A UUID that is the same every time for the same name: ids derived from idempotency keys. */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(BISTAND_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stable hash of a command's route and body, independent of key order. */
export function requestHash(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(body)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
