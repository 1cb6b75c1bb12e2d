/** The cookie holding the visitor's session token: httpOnly, SameSite=Strict, Secure over HTTPS. */
export const SESSION_COOKIE = 'fer_session';

export function sessionCookieOptions(secure: boolean, expires?: Date) {
  return { httpOnly: true, sameSite: 'strict' as const, secure, path: '/', ...(expires ? { expires } : {}) };
}
