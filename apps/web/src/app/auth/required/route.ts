import type { NextRequest } from 'next/server';
import { redirectTo, safeNext } from '@/server/sign-in';

export const dynamic = 'force-dynamic';

/** Where the middleware sends a signed-out visitor's page request: a 303 to sign-in that comes back afterwards. */
export function GET(request: NextRequest): Response {
  const next = safeNext(request.nextUrl.searchParams.get('next') ?? undefined);
  return redirectTo(request, next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`);
}
