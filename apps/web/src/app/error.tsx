'use client';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="page-error">
      <p className="notice-title">This page failed to render.</p>
      <p>
        {error.message || 'The server hid the details; see its log.'}
        {error.digest ? ` (reference ${error.digest})` : ''}
      </p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
