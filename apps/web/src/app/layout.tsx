import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import { SiteNav } from '@/components/site-nav';
import { sessionOrNull } from '@/server/session';
import './globals.css';

// Every page reads live data from the API as the signed-in visitor, and carries this response's CSP nonce: nothing
// is prerendered at build.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'FER generalization', template: '%s · FER generalization' },
  description: 'Leaderboards, sweeps, runs, datasets and workers of the generalizable-FER platform',
};

export const viewport: Viewport = {
  colorScheme: 'light dark',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await sessionOrNull();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            FER<span className="brand-sub"> generalization</span>
          </Link>
          {session && <SiteNav />}
          {session && (
            <form method="post" action="/auth/sign-out" className="session" data-testid="session">
              <span className="muted small" data-testid="session-key">
                {session.key.name} <span className="badge">{session.key.role}</span>
              </span>
              <button type="submit" className="button" data-testid="sign-out">
                Sign out
              </button>
            </form>
          )}
        </header>
        <main id="main" className="site-main">
          {children}
        </main>
      </body>
    </html>
  );
}
