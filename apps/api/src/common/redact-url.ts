/** Query parameters whose values are credentials, whatever a client chose to put there. */
const SECRET_PARAMETER = /key|token|secret|password|passwd|signature|auth|session|credential/i;

/** The URL as it may be logged: values of credential-like query parameters replaced, the rest kept. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const params = new URLSearchParams(url.slice(question + 1));
  let changed = false;
  for (const name of [...new Set(params.keys())]) {
    if (SECRET_PARAMETER.test(name)) {
      params.set(name, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, question)}?${params.toString()}` : url;
}

