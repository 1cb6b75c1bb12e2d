import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE } from '@/lib/session-cookie';

/** Reachable without a session: the sign-in page, its form, link and redirect handlers, the web server's liveness. */
const PUBLIC_PATHS = [/^\/sign-in$/, /^\/auth\/(sign-in|link|required)$/, /^\/api\/health$/];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every request: a fresh CSP nonce (Next puts it on its own scripts), security headers, an Origin check on every
 * state-changing request (a page on another site cannot post here, whatever cookies the browser would send), and
 * sign-in for everything but the public paths. The session itself is checked by the API on every call.
 */
export function middleware(request: NextRequest): NextResponse {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const csp = contentSecurityPolicy(nonce);
  const { pathname, search } = request.nextUrl;

  if (STATE_CHANGING.has(request.method) && !isSameOrigin(request)) {
    return secure(
      refuse(403, 'CROSS_SITE_REQUEST', 'This request did not come from a page of this site; nothing was done.'),
      csp,
    );
  }
  if (!PUBLIC_PATHS.some((path) => path.test(pathname)) && !request.cookies.get(SESSION_COOKIE)?.value) {
    if (pathname.startsWith('/api/')) return secure(refuse(401, 'SIGNED_OUT', 'Sign in first (/sign-in).'), csp);
    // Sent on to /auth/required, which answers the 303 to sign-in: a redirect made here would name `localhost`
    // (Next normalises loopback hosts in middleware URLs), another site than `127.0.0.1` to the browser, whose
    // session cookie would then be missing; a route handler may answer with a relative Location.
    const required = new URL('/auth/required', request.url);
    if (pathname !== '/') required.searchParams.set('next', `${pathname}${search}`);
    return secure(NextResponse.rewrite(required), csp);
  }

  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', csp);
  return secure(NextResponse.next({ request: { headers } }), csp);
}

export const config = {
  matcher: [{ source: '/((?!_next/static|_next/image|favicon.ico).*)' }],
};

/**
 * Scripts only with this response's nonce (and what they load: 'strict-dynamic'); styles may be inline because the
 * charts set style attributes, which nonces cannot cover; nothing may frame the UI or receive its forms.
 */
function contentSecurityPolicy(nonce: string): string {
  const development = process.env.NODE_ENV !== 'production';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function secure(response: NextResponse, csp: string): NextResponse {
  response.headers.set('Content-Security-Policy', csp);
  response.headers.set('X-Content-Type-Options', 'nosniff');
  response.headers.set('Referrer-Policy', 'same-origin');
  response.headers.set('X-Frame-Options', 'DENY');
  response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  return response;
}

/** Origin (or, where a browser sends none, Sec-Fetch-Site) must name this site as the Host header does. */
function isSameOrigin(request: NextRequest): boolean {
  const origin = request.headers.get('origin');
  if (origin) {
    const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  return request.headers.get('sec-fetch-site') === 'same-origin';
}

function refuse(status: number, code: string, message: string): NextResponse {
  return NextResponse.json({ error: { status, code, message } }, { status });
}
