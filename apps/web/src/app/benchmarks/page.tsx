import type { BenchmarkDto } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionButton } from '@/components/action-button';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { BenchmarkForm } from '@/components/benchmarks/benchmark-form';
import { domainLabel } from '@/lib/format';
import { queryString } from '@/lib/search-params';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'Benchmarks' };

export default async function BenchmarksPage() {
  const [benchmarks, launch] = await Promise.all([
    load(apiGet<BenchmarkDto[]>('/benchmarks?archived=true')),
    canLaunch(),
  ]);
  return (
    <>
      <h1>Benchmarks</h1>
      <p className="muted">
        A benchmark is an ordered set of domains: the leaderboard’s columns. Train on one domain, test on the others.
        fer5 and synth5 ship with the platform; add your own domains (an in-house set, CK+, JAFFE, KDEF, ExpW, …).
      </p>
      {!benchmarks.ok ? (
        <ApiErrorNotice error={benchmarks.error} />
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="benchmarks-table">
            <thead>
              <tr>
                <th scope="col">Benchmark</th>
                <th scope="col">Domains (✓ a ready dataset)</th>
                <th scope="col" className="num">
                  Classes
                </th>
                <th scope="col" className="num">
                  Sweeps
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {benchmarks.data.map((benchmark) => (
                <tr key={benchmark.name} data-testid={`benchmark-row-${benchmark.name}`}>
                  <th scope="row">
                    <Link href={`/${queryString({ benchmark: benchmark.name })}`}>{benchmark.name}</Link>
                    {benchmark.description && <span className="row-meta">{benchmark.description}</span>}
                  </th>
                  <td>
                    {benchmark.domains.map((domain, index) => (
                      <span key={domain}>
                        {index > 0 && ', '}
                        {domainLabel(domain)} {benchmark.datasets[domain] ? '✓' : <span className="muted">–</span>}
                      </span>
                    ))}
                  </td>
                  <td className="num">{benchmark.numClasses}</td>
                  <td className="num">{benchmark.sweeps}</td>
                  <td>
                    {benchmark.builtIn ? (
                      'built in'
                    ) : benchmark.archivedAt ? (
                      'archived'
                    ) : launch ? (
                      <ActionButton
                        path={`/benchmarks/${encodeURIComponent(benchmark.name)}/archive`}
                        label="Archive"
                        confirmText={`Archive ${benchmark.name}? It takes no new runs; its leaderboards stay.`}
                        testId={`benchmark-archive-${benchmark.name}`}
                      />
                    ) : (
                      'open'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>New benchmark</h2>
      {launch ? (
        <BenchmarkForm />
      ) : (
        <p className="notice notice-warn">Your key has the read role: it cannot create benchmarks.</p>
      )}
    </>
  );
}
