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
