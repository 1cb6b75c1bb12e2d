'use client';

import { useState } from 'react';
import { readProxyError } from '@/lib/proxy-error';
import { queryString } from '@/lib/search-params';

const FORMATS = [
  { value: 'latex', label: 'LaTeX' },
  { value: 'markdown', label: 'Markdown' },
  { value: 'csv', label: 'CSV' },
] as const;

type Format = (typeof FORMATS)[number]['value'];

/** Fetches the API's own rendering of the table, so the copy matches what the API would export. */
export function CopyButtons({
  benchmark,
  source,
  selection,
  includePruned,
}: {
  benchmark: string;
  source: string;
  selection: string;
  /** 'true' when the board counts pruned runs: the copy then counts them too. */
  includePruned?: string;
}) {
  const [output, setOutput] = useState<{ format: Format; text: string } | null>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState<Format | null>(null);

  async function copy(format: Format, label: string) {
    setBusy(format);
    setMessage('');
    try {
      const response = await fetch(`/api/proxy/leaderboards${queryString({ benchmark, source, selection, includePruned, format })}`, {
        headers: { Accept: 'text/plain' },
      });
      if (!response.ok) {
        setMessage(await readProxyError(response));
        return;
      }
      const text = await response.text();
      setOutput({ format, text });
      try {
        await navigator.clipboard.writeText(text);
        setMessage(`${label} copied to the clipboard.`);
      } catch {
        setMessage(`The browser blocked the clipboard; the ${label} is in the box below, select it and copy.`);
      }
    } catch (cause) {
      setMessage(`The web server could not be reached (${(cause as Error).message}).`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div>
      <div className="row" role="group" aria-label="Copy the table">
        <span className="field-label">Copy table as</span>
        {FORMATS.map((format) => (
          <button
            key={format.value}
            type="button"
            className="button"
            onClick={() => copy(format.value, format.label)}
            disabled={busy !== null}
            data-testid={`copy-${format.value}`}
          >
            {busy === format.value ? `${format.label}…` : format.label}
          </button>
        ))}
        <span role="status" aria-live="polite" className="muted small" data-testid="copy-status">
          {message}
        </span>
      </div>
      {output && (
        <>
          <label htmlFor="copy-output" className="visually-hidden">
            Copied {output.format}
          </label>
          <textarea
            id="copy-output"
            className="copy-output"
            readOnly
            value={output.text}
            data-testid="copy-output"
            data-format={output.format}
            rows={Math.min(16, output.text.split('\n').length + 1)}
          />
        </>
      )}
    </div>
  );
}
