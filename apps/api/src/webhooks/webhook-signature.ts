import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Fer-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does to check a delivery (documented in the README; used by the tests). */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
