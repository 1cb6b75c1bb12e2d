import type { ApiErrorBody } from '@fer/contracts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ApiConnection {
  url: string;
  key: string | undefined;
}

/**
 * Where the API is and which key to use: --api-url/--api-key, else FER_API_URL/FER_API_KEY, else what the local
 * stack wrote to .fer/stack.json when it started (so `npx fer …` just works after `npm start`).
 */
export function resolveConnection(options: { apiUrl?: string; apiKey?: string }, env = process.env): ApiConnection {
  const stack = readStackFile(env.FER_HOME ?? '.fer');
  return {
    url: (options.apiUrl ?? env.FER_API_URL ?? stack?.apiUrl ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    key: options.apiKey ?? env.FER_API_KEY ?? stack?.apiKey,
  };
}

function readStackFile(home: string): { apiUrl?: string; apiKey?: string } | undefined {
  const path = join(home, 'stack.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function apiRequest<T>(
  connection: ApiConnection,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${connection.url}/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(connection.key ? { authorization: `Bearer ${connection.key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiRequestError(0, `cannot reach the API at ${connection.url} (${(error as Error).message}). Is it running? Start the local stack with \`npm start\`, or set FER_API_URL.`);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as ApiErrorBody;
      message = parsed.error.message;
      if (parsed.error.problems?.length) {
        message += '\n' + parsed.error.problems.map((p) => `  - ${p.field || '(body)'}: ${p.message}`).join('\n');
      }
    } catch {
      // not JSON: keep the text
    }
    throw new ApiRequestError(response.status, `API ${response.status}: ${message}`);
  }
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('application/json') ? JSON.parse(text) : text) as T;
}
