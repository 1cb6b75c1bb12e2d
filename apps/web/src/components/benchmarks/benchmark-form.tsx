'use client';

import { useState } from 'react';
import { hardReload } from '@/lib/hard-navigate';
import { readProxyError } from '@/lib/proxy-error';

/** Creates a benchmark of the team's own domains (POST /benchmarks through the web proxy); the API validates it. */
export function BenchmarkForm() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      name: String(form.get('name') ?? '').trim(),
      description: String(form.get('description') ?? '').trim(),
      domains: String(form.get('domains') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean),
      numClasses: Number(form.get('numClasses')),
    };
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/api/proxy/benchmarks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) setError(await readProxyError(response));
      else hardReload();
    } catch (cause) {
      setError(`The web server could not be reached (${(cause as Error).message}).`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-grid" onSubmit={onSubmit} data-testid="benchmark-form" aria-busy={busy}>
      <div className="field">
        <label htmlFor="benchmark-name">Name</label>
        <input id="benchmark-name" name="name" required placeholder="lab5" data-testid="benchmark-name" />
        <span className="muted small">lower-case letters, digits and dashes</span>
      </div>
      <div className="field">
        <label htmlFor="benchmark-domains">Domains, in column order</label>
        <input
          id="benchmark-domains"
          name="domains"
          required
          placeholder="ck-plus, jafee, kdef, expw, in-house"
          data-testid="benchmark-domains"
        />
        <span className="muted small">import a dataset for each with that domain (fer datasets import --domain …)</span>
      </div>
      <div className="field">
        <label htmlFor="benchmark-classes">Classes</label>
        <select id="benchmark-classes" name="numClasses" defaultValue="7" data-testid="benchmark-classes">
          <option value="7">7 (basic emotions)</option>
          <option value="8">8 (with contempt)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="benchmark-description">Description</label>
        <input id="benchmark-description" name="description" placeholder="what the benchmark is" />
      </div>
      <div className="row">
        <button type="submit" className="button" disabled={busy} data-testid="benchmark-create">
          {busy ? 'Creating…' : 'Create benchmark'}
        </button>
        {error && (
          <span role="alert" className="inline-error" data-testid="benchmark-error">
            {error}
          </span>
        )}
      </div>
    </form>
  );
}
