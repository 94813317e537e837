import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signs the opaque tokens the API hands out and takes back (list cursors), so that a token comes
 * back exactly as issued, for the same list and filters (`context`), or is refused.
 */
export class CursorSigner {
  constructor(private readonly key: Buffer) {}

  /** `base64url(payload).base64url(mac)`; the mac covers the context too, which is not in the token. */
  sign(context: string, payload: string): string {
    const body = Buffer.from(payload, 'utf8').toString('base64url');
    return `${body}.${this.mac(context, body).toString('base64url')}`;
  }

  /** The payload, or undefined when the token is malformed, edited, or issued for another context. */
  open(context: string, token: string): string | undefined {
    const match = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const [, body, mac] = match;
    // Compared as text: the last of 43 base64url characters has two bits no byte uses, so decoding
    // first would accept four spellings of one signature (a tampered cursor must be a 400).
    const given = Buffer.from(mac, 'utf8');
    const expected = Buffer.from(this.mac(context, body).toString('base64url'), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Buffer.from(body, 'base64url').toString('utf8');
  }

  private mac(context: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(context).update('\n').update(body).digest();
  }
}
