import type { ApiErrorBody } from '@fer/contracts';

/** Turns an error response of the web proxy (the API's envelope passed through) into one sentence. */
export async function readProxyError(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error?.message) {
      const problems = body.error.problems ?? [];
      const extra = problems.map((p) => `${p.field || 'document'}: ${p.message}`).join('; ');
      return extra ? `${body.error.message} (${extra})` : body.error.message;
    }
  } catch {
    // not JSON
  }
  if (response.status === 401) return 'Your session has ended: sign in again.';
  if (response.status === 403) return 'Your key may not do this.';
  if (response.status === 404) return 'Not found.';
  return `The request failed with status ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}.`;
}
