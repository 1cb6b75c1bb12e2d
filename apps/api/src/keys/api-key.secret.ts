import { createHash, randomBytes } from 'node:crypto';

/** A new key: `fer_` + 40 url-safe random chars. Only its sha256 is stored. */
export function generateApiKey(): string {
  return `fer_${randomBytes(30).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, 10);
}

/** Web UI session tokens: held in the browser's httpOnly cookie, sent by the web server as the bearer. */
export const SESSION_TOKEN_PREFIX = 'fer_sess_';
/** One-time sign-in link tokens (`npm start` prints one). */
export const SIGN_IN_LINK_PREFIX = 'fer_link_';

export function generateSecretToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}
