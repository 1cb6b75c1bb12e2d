import type { TransferMatrix } from '@fer/contracts';
import { domainLabel, formatCell } from '@/lib/format';
import { heatColor } from '@/lib/heat-color';

export function TransferHeatmap({ matrix }: { matrix: TransferMatrix }) {
  const values = matrix.cells.flat().flatMap((cell) => (cell && cell.mean !== null ? [cell.mean] : []));
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 100;
  return (
    <div className="table-wrap">
      <table className="data heatmap" data-testid="transfer-matrix" data-config-id={matrix.configId}>
        <caption>
          Accuracy (%) training on the row’s domain, testing on the column’s; the dashed diagonal is in-domain. Colour
          runs from {min.toFixed(1)} (light) to {max.toFixed(1)} (dark).
        </caption>
        <thead>
          <tr>
            <th scope="col">Source ↓ / target →</th>
            {matrix.domains.map((domain) => (
              <th key={domain} scope="col" className="num">
                {domainLabel(domain)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.domains.map((source, rowIndex) => (
            <tr key={source}>
              <th scope="row">{domainLabel(source)}</th>
              {matrix.domains.map((target, columnIndex) => {
                const cell = matrix.cells[rowIndex]?.[columnIndex] ?? null;
                const colours = heatColor(cell?.mean ?? null, min, max);
                return (
                  <td
                    key={target}
                    className={rowIndex === columnIndex ? 'diagonal' : undefined}
                    style={{ background: colours.background, color: colours.color }}
                    data-testid={`transfer-cell-${source}-${target}`}
                    data-mean={cell?.mean != null ? cell.mean.toFixed(2) : ''}
                  >
                    {formatCell(cell)}
                    {cell && cell.mean !== null && <span className="visually-hidden"> (n={cell.n})</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
