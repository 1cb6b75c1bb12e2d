import type { ApiKeyRole, CurrentSessionDto } from '@fer/contracts';
import { cookies } from 'next/headers';
import { cache } from 'react';
import { SESSION_COOKIE } from '@/lib/session-cookie';
import { apiFetch, apiGet } from './api-client';

/** The session token of this request's visitor (the httpOnly cookie), or null when signed out. */
export async function sessionToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}

/** Who is signed in, asked of the API once per request (a revoked key or an ended session redirects to sign-in). */
export const currentSession = cache((): Promise<CurrentSessionDto> => apiGet<CurrentSessionDto>('/sessions/current'));

/** The same without redirecting (the layout around the sign-in page): null when signed out or the session is over. */
export const sessionOrNull = cache(async (): Promise<CurrentSessionDto | null> => {
  if (!(await sessionToken())) return null;
  const response = await apiFetch('/sessions/current').catch(() => null);
  return response?.ok ? ((await response.json()) as CurrentSessionDto) : null;
});

const RANK: Record<ApiKeyRole, number> = { read: 0, launch: 1, admin: 2 };

/** Whether the signed-in key may launch (create sweeps, cancel, retry, probe): pages hide what it may not do. */
export async function canLaunch(): Promise<boolean> {
  return RANK[(await currentSession()).key.role] >= RANK.launch;
}
