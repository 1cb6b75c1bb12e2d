'use client';

import type { EvaluationDto } from '@fer/contracts';
import { emotionsFor } from '@fer/contracts/label-space';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SERIES_COLORS, TOOLTIP_STYLE } from '@/lib/chart-colors';
import { accuracyPercent, capitalize, domainLabel, formatAccuracy, formatNumber } from '@/lib/format';
import { heatColor } from '@/lib/heat-color';

/** Evaluations in the order the run's targets list their domains. */
export function inTargetOrder(evaluations: EvaluationDto[], targets: string[]): EvaluationDto[] {
  const rank = (domain: string) => (targets.includes(domain) ? targets.indexOf(domain) : targets.length);
  return [...evaluations].sort((a, b) => rank(a.domain) - rank(b.domain) || a.domain.localeCompare(b.domain));
}

/**
 * Accuracy of every target at every scored epoch (DomainBed's per-epoch evaluation): where the last epoch, the
 * source-val best and the oracle's picks sit among them.
 */
export function TargetCurves({
  evaluations,
  targets,
  sourceValBestEpoch,
}: {
  evaluations: EvaluationDto[];
  targets: string[];
  sourceValBestEpoch: number | null;
}) {
  const domains = inTargetOrder(evaluations, targets)
    .map((e) => e.domain)
    .filter((d, i, all) => all.indexOf(d) === i);
  const byEpoch = new Map<number, Record<string, number>>();
  for (const e of evaluations) {
    const row = byEpoch.get(e.epoch) ?? { epoch: e.epoch };
    row[e.domain] = accuracyPercent(e.accuracy) ?? 0;
    byEpoch.set(e.epoch, row);
  }
  const data = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  return (
    <figure className="card" style={{ margin: 0 }} data-testid="target-curves" data-points={data.length}>
      <figcaption className="field-label">
        Target accuracy (%) at every scored epoch
        {sourceValBestEpoch !== null && ` · dashed: the source-val best epoch (${sourceValBestEpoch})`}
      </figcaption>
      <div className="chart" style={{ height: 260 }}>
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={data} margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epoch" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
            <YAxis domain={[0, 100]} width={40} />
            <Tooltip {...TOOLTIP_STYLE} formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))} />
            <Legend />
            {sourceValBestEpoch !== null && <ReferenceLine x={sourceValBestEpoch} stroke="currentColor" strokeDasharray="4 3" />}
            {domains.map((domain, index) => (
              <Line
                key={domain}
                dataKey={domain}
                name={domainLabel(domain)}
                stroke={SERIES_COLORS[index % SERIES_COLORS.length]}
                dot={data.length < 30}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function DomainAccuracyBars({ evaluations, source }: { evaluations: EvaluationDto[]; source: string }) {
  const data = evaluations.map((evaluation) => ({
    domain:
      evaluation.domain === source ? `${domainLabel(evaluation.domain)} (source)` : domainLabel(evaluation.domain),
    accuracy: accuracyPercent(evaluation.accuracy),
    inDomain: evaluation.domain === source,
    key: evaluation.domain,
    epoch: evaluation.epoch,
  }));
  return (
    <figure className="card" style={{ margin: 0 }} data-testid="domain-accuracy-chart">
      <figcaption className="field-label">
        Accuracy per target domain (%); the source domain (in-domain) in orange
      </figcaption>
      <div className="chart" style={{ height: 260 }}>
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={{ top: 20, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="domain" />
            <YAxis domain={[0, 100]} width={40} />
            <Tooltip
              {...TOOLTIP_STYLE}
              cursor={{ fill: 'var(--surface-2)' }}
              formatter={(v) => (typeof v === 'number' ? v.toFixed(2) : String(v))}
            />
            <Bar dataKey="accuracy" name="Accuracy" isAnimationActive={false}>
              {data.map((entry) => (
                <Cell
                  key={entry.domain}
                  fill={entry.inDomain ? SERIES_COLORS[1] : SERIES_COLORS[0]}
                  stroke={entry.inDomain ? 'currentColor' : undefined}
                  strokeDasharray={entry.inDomain ? '4 2' : undefined}
                />
              ))}
              <LabelList
                dataKey="accuracy"
                position="top"
                formatter={(v: unknown) => (typeof v === 'number' ? v.toFixed(1) : '')}
              />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="visually-hidden">
        <caption>Accuracy per target domain</caption>
        <tbody>
          {data.map((entry) => (
            <tr
              key={entry.domain}
              data-testid={`accuracy-${entry.key}`}
              data-accuracy={entry.accuracy?.toFixed(2)}
              data-epoch={entry.epoch}
            >
              <th scope="row">{entry.domain}</th>
              <td>{formatNumber(entry.accuracy)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function ConfusionMatrix({ evaluation, numClasses }: { evaluation: EvaluationDto; numClasses: 7 | 8 }) {
  const classes = emotionsFor(numClasses);
  const rowTotals = evaluation.confusion.map((row) => row.reduce((sum, value) => sum + value, 0));
  return (
    <figure className="card" style={{ margin: 0 }} data-testid={`confusion-${evaluation.domain}`}>
      <figcaption className="field-label">
        {domainLabel(evaluation.domain)}: accuracy {formatAccuracy(evaluation.accuracy)}%, macro-F1{' '}
        {formatAccuracy(evaluation.macroF1)}, n=
        {evaluation.n} ({evaluation.split} split, epoch {evaluation.epoch})
      </figcaption>
      <div className="table-wrap" style={{ marginTop: 6 }}>
        <table className="data heatmap small">
          <caption>Rows: true class; columns: predicted; cells: share of the true class (%) and count.</caption>
          <thead>
            <tr>
              <th scope="col">True ↓ / predicted →</th>
              {classes.map((name) => (
                <th key={name} scope="col" className="num" title={name}>
                  {capitalize(name).slice(0, 4)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {evaluation.confusion.map((row, trueIndex) => (
              <tr key={trueIndex}>
                <th scope="row">{capitalize(classes[trueIndex] ?? `class ${trueIndex}`)}</th>
                {row.map((count, predictedIndex) => {
                  const share = rowTotals[trueIndex] ? (100 * count) / rowTotals[trueIndex] : null;
                  const colours = heatColor(share, 0, 100);
                  return (
                    <td
                      key={predictedIndex}
                      className={trueIndex === predictedIndex ? 'diagonal' : undefined}
                      style={{ background: colours.background, color: colours.color, minWidth: 52 }}
                      title={`${count} of ${rowTotals[trueIndex]}`}
                    >
                      {share === null ? '—' : share.toFixed(0)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

export function PerClassTable({ evaluations, numClasses }: { evaluations: EvaluationDto[]; numClasses: 7 | 8 }) {
  const classes = emotionsFor(numClasses);
  return (
    <div className="table-wrap">
      <table className="data" data-testid="per-class-table">
        <caption>Per-class accuracy (%) on each target domain</caption>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            {classes.map((name) => (
              <th key={name} scope="col" className="num">
                {capitalize(name)}
              </th>
            ))}
            <th scope="col" className="num col-summary">
              Overall
            </th>
            <th scope="col" className="num">
              Macro-F1
            </th>
          </tr>
        </thead>
        <tbody>
          {evaluations.map((evaluation) => (
            <tr key={evaluation.id} data-testid={`per-class-${evaluation.domain}`}>
              <th scope="row">{domainLabel(evaluation.domain)}</th>
              {classes.map((name, index) => (
                <td key={name} className="num">
                  {formatAccuracy(evaluation.perClassAccuracy[index])}
                </td>
              ))}
              <td className="num col-summary" data-testid={`eval-accuracy-${evaluation.domain}`}>
                {formatAccuracy(evaluation.accuracy)}
              </td>
              <td className="num">{formatAccuracy(evaluation.macroF1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
