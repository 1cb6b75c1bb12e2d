import { formatConfigValue } from '@/lib/format';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const LABELS: Record<string, string> = {
  problemCounts: 'Problems by kind',
  totalProblems: 'Problems in all',
  skipped: 'Samples skipped',
  faceCrop: 'Face cropping',
  labelRule: 'Label rule',
};

/** camelCase → "Camel case", unless the key has a label of its own. */
function label(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(value: Json): value is { [key: string]: Json } {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** One value of the report: nested objects as tables, lists of records as a table with their keys as columns. */
function Value({ value }: { value: Json }) {
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span className="muted">none</span>;
    return (
      <table className="data small">
        <tbody>
          {entries.map(([key, entry]) => (
            <tr key={key}>
              <th scope="row">{label(key)}</th>
              <td>
                <Value value={entry} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every(isRecord)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row as object)))];
      return (
        <table className="data small">
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {label(column)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {value.map((row, index) => (
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column} className="mono">
                    <Value value={(row as Record<string, Json>)[column] ?? null} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    return <span className="mono">{value.map((v) => formatConfigValue(v)).join(', ')}</span>;
  }
  return <span className="mono">{value === null ? '—' : formatConfigValue(value)}</span>;
}

/** The import report the reader and the importer stored: what was read, skipped and why, and how labels were made. */
export function ImportReport({ report }: { report: unknown }) {
  if (report === null || report === undefined) return <p className="muted">No import report was stored.</p>;
  return (
    <div className="table-wrap" data-testid="import-report">
      <Value value={report as Json} />
    </div>
  );
}
