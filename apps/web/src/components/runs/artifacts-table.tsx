import type { ArtifactDto } from '@fer/contracts';
import { formatBytes, formatDateTime } from '@/lib/format';

export function ArtifactsTable({ artifacts }: { artifacts: ArtifactDto[] }) {
  if (artifacts.length === 0)
    return <p className="muted">No artifacts stored yet (a checkpoint is written after each epoch).</p>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="artifacts-table">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Location</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">SHA-256</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {artifacts.map((artifact) => (
            <tr key={artifact.id}>
              <td>{artifact.kind}</td>
              <td className="mono small" style={{ wordBreak: 'break-all' }}>
                {artifact.uri}
              </td>
              <td className="num">{formatBytes(artifact.bytes)}</td>
              <td className="mono small" title={artifact.sha256}>
                {artifact.sha256.slice(0, 12)}…
              </td>
              <td className="small">{formatDateTime(artifact.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
