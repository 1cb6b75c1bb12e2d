import type { PlainError } from '@/server/api-client';

export function ApiErrorNotice({ error }: { error: PlainError }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="api-error">
      <p className="notice-title">{error.title}</p>
      <p>{error.detail}</p>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((problem, index) => (
            <li key={index}>
              {problem.field ? <code>{problem.field}</code> : 'document'}: {problem.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
