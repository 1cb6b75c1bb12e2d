import { parse as parseYaml } from 'yaml';
import { ApiError, apiFetch } from '@/server/api-client';

export const dynamic = 'force-dynamic';

/** Creates a sweep from a pasted spec, JSON or YAML (YAML is a superset of JSON); the API validates it. */
export async function POST(request: Request): Promise<Response> {
  const text = await request.text();
  let spec: unknown;
  try {
    spec = parseYaml(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return Response.json(
      {
        error: {
          status: 400,
          code: 'SPEC_NOT_PARSED',
          message: `The spec is neither valid JSON nor YAML: ${message}`,
          problems: [],
        },
      },
      { status: 400 },
    );
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return Response.json(
      {
        error: {
          status: 400,
          code: 'SPEC_NOT_OBJECT',
          message: 'The spec must be one object (a mapping), e.g. { "name": …, "sources": [...] }.',
          problems: [],
        },
      },
      { status: 400 },
    );
  }
  try {
    const upstream = await apiFetch('/sweeps', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(request.headers.get('idempotency-key')
          ? { 'Idempotency-Key': request.headers.get('idempotency-key')! }
          : {}),
      },
      body: JSON.stringify(spec),
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' },
    });
  } catch (error) {
    const message = error instanceof ApiError ? error.message : (error as Error).message;
    return Response.json({ error: { status: 502, code: 'API_UNREACHABLE', message } }, { status: 502 });
  }
}
