import type { DatasetDto, Page } from '@fer/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { EmptyState } from '@/components/empty-state';
import { StatusBadge } from '@/components/status-badge';
import { domainLabel, formatDateTime } from '@/lib/format';
import { apiGet, load } from '@/server/api-client';

export const metadata: Metadata = { title: 'Datasets' };

export default async function DatasetsPage() {
  const datasets = await load(apiGet<Page<DatasetDto>>('/datasets'));
  return (
    <>
      <h1>Datasets</h1>
      <p className="muted">
        Imported datasets, their labels mapped to the canonical 7-class space (what was dropped is listed).
      </p>
      {!datasets.ok ? (
        <ApiErrorNotice error={datasets.error} />
      ) : datasets.data.items.length === 0 ? (
        <EmptyState title="No datasets imported yet." testId="datasets-empty">
          Import one with the CLI, e.g. <code>fer dataset import</code>, or generate the synthetic domains.
        </EmptyState>
      ) : (
        <div className="table-wrap tall">
          <table className="data" data-testid="datasets-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Domain</th>
                <th scope="col" className="num">
                  Version
                </th>
                <th scope="col">Status</th>
                <th scope="col">Format</th>
                <th scope="col">Images per split</th>
                <th scope="col">Dropped</th>
                <th scope="col">Imported</th>
              </tr>
            </thead>
            <tbody>
              {datasets.data.items.map((dataset) => {
                const dropped = Object.values(dataset.counts.dropped).reduce((sum, value) => sum + value, 0);
                return (
                  <tr key={dataset.id} data-testid={`dataset-row-${dataset.id}`}>
                    <td>
                      <Link prefetch={false} href={`/datasets/${encodeURIComponent(dataset.id)}`}>
                        {dataset.name}
                      </Link>
                      <span className="row-meta mono">{dataset.id}</span>
                    </td>
                    <td>{domainLabel(dataset.domain)}</td>
                    <td className="num">v{dataset.version}</td>
                    <td>
                      <StatusBadge status={dataset.status} />
                    </td>
                    <td>{dataset.format}</td>
                    <td className="small">
                      {Object.entries(dataset.counts.splits)
                        .map(([split, counts]) => `${split} ${counts.total.toLocaleString('en-US')}`)
                        .join(' · ') || '—'}
                    </td>
                    <td className="num">{dropped ? dropped.toLocaleString('en-US') : '—'}</td>
                    <td className="small">{formatDateTime(dataset.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
