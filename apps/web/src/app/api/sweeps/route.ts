import { parse as parseYaml } from 'yaml';
import { ApiError, apiFetch } from '@/server/api-client';

export const dynamic = 'force-dynamic';

/** The API's own body limit: a bigger spec is refused before it is read or parsed. */
const MAX_SPEC_BYTES = 1024 * 1024;

function tooLarge(): Response {
  const message = `The spec is larger than ${MAX_SPEC_BYTES / 1024} KiB.`;
  return Response.json({ error: { status: 413, code: 'SPEC_TOO_LARGE', message, problems: [] } }, { status: 413 });
}

/**
 * Creates a sweep from a pasted spec, JSON or YAML (YAML is a superset of JSON), as the signed-in visitor (the
 * middleware has checked the session cookie and the Origin); the API validates it and checks the key's role.
 */
export async function POST(request: Request): Promise<Response> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_SPEC_BYTES) return tooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES) return tooLarge();
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
