'use client';

import { useState } from 'react';
import { hardReload } from '@/lib/hard-navigate';
import { readProxyError } from '@/lib/proxy-error';

/** POSTs to an API action through the web proxy (cancel, retry), then reloads the page. */
export function ActionButton({
  path,
  label,
  confirmText,
  tone = 'default',
  testId,
  disabled,
}: {
  path: string;
  label: string;
  confirmText?: string;
  tone?: 'default' | 'danger';
  testId?: string;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onClick() {
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(`/api/proxy${path}`, { method: 'POST' });
      if (!response.ok) setError(await readProxyError(response));
      else hardReload();
    } catch (cause) {
      setError(`The web server could not be reached (${(cause as Error).message}).`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="action">
      <button
        type="button"
        className={tone === 'danger' ? 'button button-danger' : 'button'}
        onClick={onClick}
        disabled={busy || disabled}
        data-testid={testId}
      >
        {busy ? `${label}…` : label}
      </button>
      {error && (
        <span role="alert" className="inline-error">
          {error}
        </span>
      )}
    </span>
  );
}
