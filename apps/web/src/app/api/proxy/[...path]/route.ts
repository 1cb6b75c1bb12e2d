import type { NextRequest } from 'next/server';
import { ApiError, apiFetch } from '@/server/api-client';

export const dynamic = 'force-dynamic';

/**
 * What the browser may reach through the web server, as the signed-in visitor (their session is the bearer; the API
 * checks their role): the reads the interactive parts need and the few actions the UI offers. Anything else is
 * refused here rather than forwarded.
 */
type Method = 'GET' | 'POST' | 'PATCH';

const ALLOWED: { method: Method; pattern: RegExp }[] = [
  { method: 'GET', pattern: /^leaderboards(\/transfer)?$/ },
  { method: 'GET', pattern: /^benchmarks(\/[\w.:%-]+)?$/ },
  { method: 'GET', pattern: /^sweeps(\/[\w.:%-]+)?$/ },
  { method: 'GET', pattern: /^runs(\/[\w.:%-]+)?$/ },
  { method: 'GET', pattern: /^runs\/[\w.:%-]+\/(events|logs)$/ },
  { method: 'GET', pattern: /^datasets(\/[\w.:%-]+)?$/ },
  { method: 'GET', pattern: /^datasets\/[\w.:%-]+\/samples(\/image)?$/ },
  { method: 'GET', pattern: /^queues$/ },
  { method: 'GET', pattern: /^queues\/probes\/[\w-]+$/ },
  { method: 'POST', pattern: /^sweeps$/ },
  { method: 'POST', pattern: /^sweeps\/plan$/ },
  { method: 'POST', pattern: /^benchmarks$/ },
  { method: 'POST', pattern: /^benchmarks\/[\w.:%-]+\/archive$/ },
  { method: 'POST', pattern: /^benchmarks\/[\w.:%-]+\/refresh$/ },
  { method: 'POST', pattern: /^sweeps\/[\w.:%-]+\/cancel$/ },
  { method: 'POST', pattern: /^runs\/[\w.:%-]+\/(cancel|retry)$/ },
  { method: 'POST', pattern: /^queues\/probes$/ },
  // growing a sweep (seeds, sources, grid values, budget) or changing its budgets: one sweep, never the collection
  { method: 'PATCH', pattern: /^sweeps\/[\w.:%-]+$/ },
];

function refuse(status: number, code: string, message: string): Response {
  return Response.json({ error: { status, code, message } }, { status });
}

async function forward(request: NextRequest, method: Method, segments: string[]): Promise<Response> {
  const path = segments.map(encodeURIComponent).join('/');
  if (!ALLOWED.some((rule) => rule.method === method && rule.pattern.test(path))) {
    return refuse(404, 'NOT_PROXIED', `The web UI does not forward ${method} /${path}.`);
  }
  const headers = new Headers();
  const accept = request.headers.get('accept');
  if (accept) headers.set('Accept', accept);
  let body: string | undefined;
  if (method !== 'GET') {
    body = await request.text();
    headers.set('Content-Type', request.headers.get('content-type') ?? 'application/json');
    const idempotencyKey = request.headers.get('idempotency-key');
    if (idempotencyKey) headers.set('Idempotency-Key', idempotencyKey);
  }
  let upstream: Response;
  try {
    upstream = await apiFetch(`/${path}${request.nextUrl.search}`, { method, headers, body, signal: request.signal });
  } catch (error) {
    const message = error instanceof ApiError ? error.message : (error as Error).message;
    return refuse(502, 'API_UNREACHABLE', message);
  }
  const responseHeaders = new Headers();
  for (const name of ['content-type', 'content-disposition', 'cache-control', 'etag', 'last-modified']) {
    const value = upstream.headers.get(name);
    if (value) responseHeaders.set(name, value);
  }
  if (upstream.headers.get('content-type')?.startsWith('text/event-stream')) {
    // no-transform keeps Next's compression from buffering the stream
    responseHeaders.set('Cache-Control', 'no-cache, no-transform');
    responseHeaders.set('X-Accel-Buffering', 'no');
  }
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

type Context = { params: Promise<{ path: string[] }> };

export async function GET(request: NextRequest, context: Context): Promise<Response> {
  return forward(request, 'GET', (await context.params).path);
}

export async function POST(request: NextRequest, context: Context): Promise<Response> {
  return forward(request, 'POST', (await context.params).path);
}

export async function PATCH(request: NextRequest, context: Context): Promise<Response> {
  return forward(request, 'PATCH', (await context.params).path);
}
