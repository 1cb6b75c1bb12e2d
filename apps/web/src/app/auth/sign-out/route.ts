import type { NextRequest } from 'next/server';
import { SESSION_COOKIE, sessionCookieOptions } from '@/lib/session-cookie';
import { apiFetch } from '@/server/api-client';
import { isHttps, redirectTo } from '@/server/sign-in';

export const dynamic = 'force-dynamic';

/** Ends the session at the API (so the token is worthless even if copied) and drops the cookie. */
export async function POST(request: NextRequest): Promise<Response> {
  await apiFetch('/sessions/current', { method: 'DELETE' }).catch(() => undefined);
  const response = redirectTo(request, '/sign-in?reason=' + encodeURIComponent('Signed out.'));
  response.cookies.set(SESSION_COOKIE, '', { ...sessionCookieOptions(isHttps(request)), maxAge: 0 });
  return response;
}
