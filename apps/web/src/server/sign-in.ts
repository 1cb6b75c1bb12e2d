import type { SessionCreatedDto } from '@fer/contracts';
import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE, sessionCookieOptions } from '@/lib/session-cookie';
import { apiBaseUrl, errorFromResponse } from './api-client';

/**
 * Exchanges a key or a one-time link for a session at the API and answers with the session cookie and a redirect.
 * The client's address goes along (X-Forwarded-For) so the API limits failed sign-ins per browser, not per web server.
 */
export async function signInAndRedirect(
  request: NextRequest,
  body: { key: string } | { linkToken: string },
  next: string,
): Promise<NextResponse> {
  const response = await fetch(`${apiBaseUrl()}/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...forwardedFor(request) },
    body: JSON.stringify(body),
    cache: 'no-store',
  }).catch(() => null);
  if (!response)
    return redirectTo(request, `/sign-in?reason=${encodeURIComponent('The API could not be reached; is it running?')}`);
  if (!response.ok) {
    const error = await errorFromResponse(response);
    return redirectTo(request, `/sign-in?reason=${encodeURIComponent(error.message)}&next=${encodeURIComponent(next)}`);
  }
  const session = (await response.json()) as SessionCreatedDto;
  const redirect = redirectTo(request, next);
  redirect.cookies.set(
    SESSION_COOKIE,
    session.token,
    sessionCookieOptions(isHttps(request), new Date(session.expiresAt)),
  );
  return redirect;
}

/**
 * 303 to a path of this site: the browser follows with a GET, whatever the method that led here. The Location is
 * relative, so the browser stays on the host it used (behind `next start` the server's own idea of its origin is
 * `localhost`, another site than `127.0.0.1` to the browser, whose session cookie would then be missing).
 */
export function redirectTo(_request: NextRequest, path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { Location: path } });
}

export function isHttps(request: NextRequest): boolean {
  return request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
}

export function forwardedFor(request: NextRequest): Record<string, string> {
  const client = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return client ? { 'X-Forwarded-For': client } : {};
}

export function safeNext(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}
