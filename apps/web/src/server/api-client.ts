import type { ApiErrorBody, FieldProblem } from '@fer/contracts';
import { cookies } from 'next/headers';
import { redirect, unstable_rethrow } from 'next/navigation';
import { SESSION_COOKIE } from '@/lib/session-cookie';
import { loadEnv } from './env';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a page shows when the API call behind it failed: a title and a sentence, no stack traces. */
export interface PlainError {
  title: string;
  detail: string;
  status: number | null;
  problems: FieldProblem[];
}

export function apiBaseUrl(): string {
  return `${loadEnv().FER_API_URL}/api/v1`;
}

/**
 * Raw call to the API as the signed-in visitor: their session token (from the httpOnly cookie) is the bearer, so the
 * API acts with their key's role. With no session the call goes out without credentials and the API answers 401.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const env = loadEnv();
  const headers = new Headers(init.headers);
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  try {
    return await fetch(`${apiBaseUrl()}${path}`, { cache: 'no-store', ...init, headers });
  } catch (cause) {
    throw new ApiError(
      0,
      'UNREACHABLE',
      `The API at ${env.FER_API_URL} could not be reached (${(cause as Error).message}).`,
    );
  }
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error && typeof body.error.message === 'string') {
      return new ApiError(response.status, body.error.code ?? 'ERROR', body.error.message, body.error.problems ?? []);
    }
  } catch {
    // not the JSON envelope: fall through to the status line
  }
  return new ApiError(response.status, 'HTTP_ERROR', text.slice(0, 300) || response.statusText || 'no message');
}

/** A page's read. A 401 (signed out, session expired, key revoked) sends the visitor to sign in again. */
export async function apiGet<T>(path: string): Promise<T> {
  const response = await apiFetch(path);
  if (response.status === 401) {
    const error = await errorFromResponse(response);
    redirect(`/sign-in?reason=${encodeURIComponent(error.message)}`);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

export function toPlainError(error: unknown): PlainError {
  if (error instanceof ApiError) {
    const problems = error.problems;
    if (error.status === 0) {
      return {
        title: 'The API is not reachable',
        detail: `${error.message} Is the API running?`,
        status: null,
        problems,
      };
    }
    if (error.status === 403) {
      return { title: 'Your key may not do this', detail: error.message, status: 403, problems };
    }
    if (error.status === 404) {
      return { title: 'Not found', detail: error.message, status: 404, problems };
    }
    if (error.status >= 500) {
      return {
        title: 'The API failed',
        detail: `It answered ${error.status}: ${error.message}`,
        status: error.status,
        problems,
      };
    }
    return { title: 'The API rejected the request', detail: error.message, status: error.status, problems };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: 'Something went wrong', detail: message, status: null, problems: [] };
}

export type Loaded<T> = { ok: true; data: T } | { ok: false; error: PlainError };

/** Pages render errors as part of their output, since Next hides server error messages in production. */
export async function load<T>(promise: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await promise };
  } catch (error) {
    unstable_rethrow(error); // a redirect to sign-in is not an error to render
    return { ok: false, error: toPlainError(error) };
  }
}
