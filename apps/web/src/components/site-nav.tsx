'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Leaderboard' },
  { href: '/sweeps', label: 'Sweeps' },
  { href: '/runs', label: 'Runs' },
  { href: '/datasets', label: 'Datasets' },
  { href: '/benchmarks', label: 'Benchmarks' },
  { href: '/queue', label: 'Queue & workers' },
];

export function SiteNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="site-nav">
      <ul>
        {LINKS.map((link) => {
          const active = link.href === '/' ? pathname === '/' : pathname.startsWith(link.href);
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={active ? 'page' : undefined}
                data-testid={`nav-${link.label.split(' ')[0].toLowerCase()}`}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
