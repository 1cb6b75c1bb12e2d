import { formatConfigValue } from '@/lib/format';

function isFlat(value: unknown): value is Record<string, string | number | boolean | null> {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => entry === null || ['string', 'number', 'boolean'].includes(typeof entry))
  );
}

/** The import report is free-form JSON from the reader: a table when flat, otherwise the JSON itself. */
export function ImportReport({ report }: { report: unknown }) {
  if (report === null || report === undefined) return <p className="muted">No import report was stored.</p>;
  if (isFlat(report)) {
    return (
      <div className="table-wrap">
        <table className="data" data-testid="import-report">
          <tbody>
            {Object.entries(report).map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td className="mono">{formatConfigValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <pre className="json" data-testid="import-report">
      {JSON.stringify(report, null, 2)}
    </pre>
  );
}
