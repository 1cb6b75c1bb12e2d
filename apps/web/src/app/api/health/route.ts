export const dynamic = 'force-dynamic';

/** Liveness of the web server itself; the API's health is at the API. */
export function GET(): Response {
  return Response.json({ status: 'ok' });
}
