import type { Metadata } from 'next';
import { safeNext } from '@/server/sign-in';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNext(params.next);
  return (
    <div className="sign-in" data-testid="sign-in">
      <h1>Sign in</h1>
      <p className="muted">
        Sign in with an API key: you then see and do what its role allows (read, launch or admin). The key is sent once,
        to the API; this browser keeps only a session cookie. <code>npm start</code> prints a one-time sign-in link for
        the local admin; <code>fer keys create --role read</code> makes a key for a colleague.
      </p>
      {params.reason && (
        <p role="alert" className="notice notice-warn" data-testid="sign-in-reason">
          {params.reason}
        </p>
      )}
      <form method="post" action="/auth/sign-in" className="sign-in-form">
        <input type="hidden" name="next" value={next} />
        <label htmlFor="key">API key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="current-password"
          required
          minLength={8}
          data-testid="sign-in-key"
        />
        <button type="submit" className="button button-primary" data-testid="sign-in-submit">
          Sign in
        </button>
      </form>
    </div>
  );
}
