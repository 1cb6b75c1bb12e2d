import type { DatasetDto, DatasetSampleDto, Page } from '@fer/contracts';
import { emotionsFor } from '@fer/contracts/label-space';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { ClassDistributionChart } from '@/components/datasets/class-distribution-chart';
import { ImportReport } from '@/components/datasets/import-report';
import { SampleImage } from '@/components/datasets/sample-image';
import { EmptyState } from '@/components/empty-state';
import { StatusBadge } from '@/components/status-badge';
import { capitalize, domainLabel, formatDateTime } from '@/lib/format';
import { firstParam, queryString, type SearchParams } from '@/lib/search-params';
import { apiGet, load } from '@/server/api-client';

export const metadata: Metadata = { title: 'Dataset' };

const SAMPLES_PER_CLASS = 8;

export default async function DatasetPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  const query = await searchParams;
  const encoded = encodeURIComponent(id);
  const dataset = await load(apiGet<DatasetDto>(`/datasets/${encoded}`));
  // An id the API does not know is a 404 page, not an error notice on a 200.
  if (!dataset.ok && dataset.error.status === 404) notFound();
  if (!dataset.ok) {
    return (
      <>
        <h1>Dataset {id}</h1>
        <ApiErrorNotice error={dataset.error} />
      </>
    );
  }
  const data = dataset.data;
  const classes = emotionsFor(data.numClasses === 8 ? 8 : 7);
  const splits = Object.keys(data.counts.splits);
  const requestedSplit = firstParam(query, 'split');
  const split =
    requestedSplit && splits.includes(requestedSplit) ? requestedSplit : splits.includes('train') ? 'train' : splits[0];
  const samples = split
    ? await Promise.all(
        classes.map((_, label) =>
          load(
            apiGet<Page<DatasetSampleDto>>(
              `/datasets/${encoded}/samples${queryString({ split, label, limit: SAMPLES_PER_CLASS })}`,
            ),
          ),
        ),
      )
    : [];
  const dropped = Object.entries(data.counts.dropped);

  return (
    <>
      <p className="small">
        <Link href="/datasets">Datasets</Link> /
      </p>
      <h1 data-testid="dataset-name">{data.name}</h1>
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Domain</div>
          <div className="stat-value">{domainLabel(data.domain)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Version</div>
          <div className="stat-value">v{data.version}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Status</div>
          <div className="stat-value">
            <StatusBadge status={data.status} />
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Format · classes</div>
          <div>
            {data.format} · {data.numClasses}
          </div>
        </div>
        {splits.map((name) => (
          <div className="stat" key={name}>
            <div className="stat-label">{name} images</div>
            <div className="stat-value" data-testid={`split-total-${name}`}>
              {data.counts.splits[name].total.toLocaleString('en-US')}
            </div>
          </div>
        ))}
        <div className="stat">
          <div className="stat-label">Checksum · imported</div>
          <div className="small mono" title={data.checksum}>
            {data.checksum.slice(0, 12)} · {formatDateTime(data.createdAt)}
          </div>
        </div>
      </div>

      <h2>Class distribution</h2>
      {splits.length === 0 ? (
        <EmptyState title="No splits counted yet." />
      ) : (
        <div className="grid-2">
          {splits.map((name, index) => (
            <figure key={name} className="card" style={{ margin: 0 }}>
              <figcaption className="field-label">
                {name} ({data.counts.splits[name].total.toLocaleString('en-US')} images)
              </figcaption>
              <ClassDistributionChart
                split={name}
                classes={classes}
                perClass={data.counts.splits[name].perClass}
                colorIndex={index}
              />
            </figure>
          ))}
        </div>
      )}
      {splits.length > 0 && (
        <div className="table-wrap" style={{ marginTop: 12 }}>
          <table className="data" data-testid="class-counts">
            <caption>Images per class and split</caption>
            <thead>
              <tr>
                <th scope="col">Split</th>
                {classes.map((name) => (
                  <th key={name} scope="col" className="num">
                    {capitalize(name)}
                  </th>
                ))}
                <th scope="col" className="num col-summary">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {splits.map((name) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  {classes.map((className, index) => (
                    <td key={className} className="num">
                      {(data.counts.splits[name].perClass[index] ?? 0).toLocaleString('en-US')}
                    </td>
                  ))}
                  <td className="num col-summary">{data.counts.splits[name].total.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Import report</h2>
      {dropped.length > 0 && (
        <p data-testid="dropped-labels">
          Dropped native labels (not in the {data.numClasses}-class space):{' '}
          {dropped.map(([label, count]) => `${label} ${count.toLocaleString('en-US')}`).join(', ')}.
        </p>
      )}
      <ImportReport report={data.importReport} />

      <h2>Samples per class</h2>
      {splits.length > 1 && (
        <nav aria-label="Sample split" className="row" style={{ marginBottom: 10 }}>
          {splits.map((name) => (
            <Link
              key={name}
              href={`/datasets/${encoded}${queryString({ split: name })}`}
              className="button"
              aria-current={name === split ? 'page' : undefined}
              style={name === split ? { background: 'var(--accent)', color: 'var(--accent-fg)' } : undefined}
            >
              {name}
            </Link>
          ))}
        </nav>
      )}
      {classes.map((className, label) => {
        const result = samples[label];
        return (
          <section key={className} aria-label={`${capitalize(className)} samples`} data-testid={`samples-${className}`}>
            <h3>
              {capitalize(className)}
              {result?.ok ? (
                <span className="muted small">
                  {' '}
                  · {result.data.total.toLocaleString('en-US')} in {split}
                </span>
              ) : null}
            </h3>
            {!result ? null : !result.ok ? (
              <ApiErrorNotice error={result.error} />
            ) : result.data.items.length === 0 ? (
              <p className="muted small">
                No {className} images in {split}.
              </p>
            ) : (
              <div className="sample-grid">
                {result.data.items.map((sample) => (
                  <figure key={sample.key}>
                    <SampleImage
                      src={`/api/proxy/datasets/${encoded}/samples/image${queryString({ key: sample.key })}`}
                      alt={`${className} sample ${sample.key}`}
                    />
                    <figcaption title={sample.key}>{sample.key}</figcaption>
                  </figure>
                ))}
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}
