import type { NextRequest } from 'next/server';
import { redirectTo, safeNext, signInAndRedirect } from '@/server/sign-in';

export const dynamic = 'force-dynamic';

/** The sign-in form's POST (same origin only: the middleware checks Origin on every state-changing request). */
export async function POST(request: NextRequest): Promise<Response> {
  const form = await request.formData().catch(() => null);
  const key = form?.get('key');
  const next = safeNext(form?.get('next'));
  if (typeof key !== 'string' || key.trim() === '') {
    return redirectTo(
      request,
      `/sign-in?reason=${encodeURIComponent('Enter an API key.')}&next=${encodeURIComponent(next)}`,
    );
  }
  return signInAndRedirect(request, { key: key.trim() }, next);
}
