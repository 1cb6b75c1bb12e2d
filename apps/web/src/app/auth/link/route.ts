import type { NextRequest } from 'next/server';
import { redirectTo, signInAndRedirect } from '@/server/sign-in';

export const dynamic = 'force-dynamic';

/** A one-time sign-in link (`npm start` prints one, as Jupyter prints its token URL): used once, then worthless. */
export async function GET(request: NextRequest): Promise<Response> {
  const token = request.nextUrl.searchParams.get('token');
  if (!token) return redirectTo(request, '/sign-in');
  return signInAndRedirect(request, { linkToken: token }, '/');
}
