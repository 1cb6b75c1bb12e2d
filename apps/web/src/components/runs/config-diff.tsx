import { diffConfig } from '@/lib/config-diff';
import { formatConfigValue } from '@/lib/format';

export function ConfigDiff({ config, baseConfig }: { config: unknown; baseConfig: unknown | null }) {
  const entries = diffConfig(config, baseConfig);
  const changed = entries.filter((entry) => entry.changed);
  return (
    <div data-testid="config-diff">
      {baseConfig === null ? (
        <p className="muted small">This run was created alone, so there is no sweep base to compare with.</p>
      ) : changed.length === 0 ? (
        <p className="muted small">Identical to its sweep’s base config.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption>Differences from the sweep’s base config</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">This run</th>
                <th scope="col">Sweep base</th>
              </tr>
            </thead>
            <tbody>
              {changed.map((entry) => (
                <tr key={entry.path} className="changed" data-testid={`config-changed-${entry.path}`}>
                  <th scope="row" className="mono">
                    {entry.path}
                  </th>
                  <td className="mono">{formatConfigValue(entry.value)}</td>
                  <td className="mono muted">{formatConfigValue(entry.base)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details style={{ marginTop: 8 }}>
        <summary>Full config ({entries.length} fields)</summary>
        <div className="table-wrap" style={{ marginTop: 8 }}>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value</th>
                {baseConfig !== null && <th scope="col">Sweep base</th>}
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.path} className={entry.changed ? 'changed' : undefined}>
                  <th scope="row" className="mono">
                    {entry.path}
                    {entry.changed && <span className="visually-hidden"> (changed)</span>}
                  </th>
                  <td className="mono">{formatConfigValue(entry.value)}</td>
                  {baseConfig !== null && <td className="mono muted">{formatConfigValue(entry.base)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
