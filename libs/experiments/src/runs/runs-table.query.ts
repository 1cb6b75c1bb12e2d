import type { ModelSelection } from '@fer/contracts';
import { ExperimentError } from '../experiment.errors';
import { selectedEvaluationsCte, type SqlStatement } from '../leaderboards/leaderboard-aggregate.query';

/**
 * The runs table's filter language: clauses joined by `and`, each `field op value`, e.g.
 * `method = cafe and lambdaDiverse > 1 and acc.sfew >= 40`. Fields: the run's columns (id, sweep, config, method,
 * source, seed, status), its metrics under the selection (targetMean, sourceAccuracy, acc.<domain>), and otherwise a swept
 * parameter (`lambdaDiverse`, `optimizer.lr`). Ops: = != > >= < <= and ~ (contains).
 */
export interface RunFilterClause {
  field: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';
  value: string | number;
}

const CLAUSE = /^\s*([A-Za-z][\w.-]*)\s*(!=|>=|<=|=|>|<|~)\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))\s*$/;

export function parseRunFilter(text: string | undefined): RunFilterClause[] {
  if (!text || !text.trim()) return [];
  return text.split(/\s+and\s+/i).map((part, index) => {
    const match = CLAUSE.exec(part);
    if (!match) {
      throw ExperimentError.invalid(`filter clause ${index + 1} ("${part.trim()}") is not "field op value"`, [
        { field: 'filter', message: `clause ${index + 1}: write e.g. method = cafe, lambdaDiverse > 1 or acc.sfew >= 40` },
      ]);
    }
    const [, field, op, doubleQuoted, singleQuoted, bare] = match;
    const raw = doubleQuoted ?? singleQuoted ?? bare;
    const quoted = doubleQuoted !== undefined || singleQuoted !== undefined;
    const value = !quoted && raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    if (op === '~' && typeof value === 'number') return { field, op, value: String(value) };
    return { field, op: op as RunFilterClause['op'], value };
  });
}

/** Columns of the table that are not swept parameters, and the SQL expression of each. */
const COLUMNS: Record<string, { sql: string; numeric: boolean }> = {
  id: { sql: 'id', numeric: false },
  sweep: { sql: '"sweepId"', numeric: false },
  config: { sql: '"configId"', numeric: false },
  method: { sql: 'method', numeric: false },
  source: { sql: '"sourceDomain"', numeric: false },
  seed: { sql: 'seed', numeric: true },
  status: { sql: 'status', numeric: false },
  createdAt: { sql: '"createdAt"', numeric: false },
  targetMean: { sql: '"targetMean"', numeric: true },
  sourceAccuracy: { sql: '"sourceAccuracy"', numeric: true },
};

/** A parameter path or domain as a SQL string literal: only [\w.-] reach here (the grammar), quotes doubled anyway. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The SQL of one field: a column, a domain's accuracy (`acc.<domain>`), or a parameter of the run's `params`. */
function fieldSql(field: string, numeric: boolean): string {
  if (COLUMNS[field]) return COLUMNS[field].sql;
  if (field.startsWith('acc.')) return `(acc->>${literal(field.slice(4))})::float8`;
  const path = literal(field.startsWith('params.') ? field.slice(7) : field);
  return numeric
    ? `(CASE WHEN jsonb_typeof(params->${path}) = 'number' THEN (params->>${path})::float8 END)`
    : `coalesce(params->>${path}, '')`;
}


export interface RunsTableInput {
  selection: ModelSelection;
  sweepId?: string;
  filter?: RunFilterClause[];
  sort?: string;
  order?: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** A parameter (or column) to group the filtered runs by: mean ± std of the metrics per value. */
  groupBy?: string;
}

/** One run of the table: what it is, what it varied, what it scored under the selection (percent). */
export interface RunsTableRow {
  id: string;
  sweepId: string | null;
  method: string;
  sourceDomain: string;
  seed: number;
  status: string;
  heldReason: string | null;
  configId: string;
  createdAt: Date;
  params: Record<string, string | number | boolean>;
  acc: Record<string, number> | null;
  targetMean: number | null;
  sourceAccuracy: number | null;
  total: number;
}

export interface RunsTableGroupRow {
  value: string | null;
  runs: number;
  scored: number;
  targetMean: number | null;
  targetStd: number | null;
  sourceMean: number | null;
  sourceStd: number | null;
}

/** The runs with their metrics, before any filter: shared by the page and the group statements. */
function runsWithMetrics(): string {
  return `
    WITH base AS (
      SELECT r.id, r."sweepId", c.method, r."sourceDomain", r.seed, r.status::text AS status, r."heldReason", r.params, r."configId", r."createdAt"
      FROM "Run" r JOIN "Config" c ON c.id = r."configId"
      WHERE ($2::text IS NULL OR r."sweepId" = $2)
    ), ${selectedEvaluationsCte(`($2::text IS NULL OR r."sweepId" = $2)`)},
    per_run AS (
      SELECT s."runId", jsonb_object_agg(s.domain, s.accuracy * 100) AS acc,
             avg(s.accuracy * 100) FILTER (WHERE s.domain <> b."sourceDomain") AS "targetMean",
             max(s.accuracy * 100) FILTER (WHERE s.domain = b."sourceDomain") AS "sourceAccuracy"
      FROM selected s JOIN base b ON b.id = s."runId"
      GROUP BY s."runId"
    ), runs AS (
      SELECT b.*, p.acc, p."targetMean"::float8 AS "targetMean", p."sourceAccuracy"::float8 AS "sourceAccuracy"
      FROM base b LEFT JOIN per_run p ON p."runId" = b.id
    )`;
}

/** WHERE clauses, every value a parameter from $firstParameter on. */
function whereClause(filter: RunFilterClause[], values: unknown[]): string {
  const parts = filter.map((clause) => {
    const numeric = typeof clause.value === 'number' && clause.op !== '~';
    values.push(clause.op === '~' ? `%${String(clause.value)}%` : clause.value);
    const placeholder = `$${values.length}${numeric ? '::float8' : '::text'}`;
    const left = numeric ? fieldSql(clause.field, true) : `${fieldSql(clause.field, false)}::text`;
    return clause.op === '~' ? `${left} ILIKE ${placeholder}` : `${left} ${clause.op === '=' ? '=' : clause.op} ${placeholder}`;
  });
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

/**
 * One page of the runs table, sorted and filtered in PostgreSQL (the page's total with it), so the table stays fast
 * at 10,000 runs. Metrics come through the leaderboard's selection rule; runs not scored yet have none.
 */
export function runsTableQuery(input: RunsTableInput): SqlStatement {
  const values: unknown[] = [input.selection, input.sweepId ?? null];
  const where = whereClause(input.filter ?? [], values);
  const sortField = input.sort ?? 'createdAt';
  const direction = input.order === 'asc' ? 'ASC' : 'DESC';
  // A parameter sorts by its number where it is one, then by its text: numbers and words each in order.
  const orderBy = COLUMNS[sortField]
    ? `${COLUMNS[sortField].sql} ${direction} NULLS LAST`
    : `${fieldSql(sortField, true)} ${direction} NULLS LAST, ${fieldSql(sortField, false)} ${direction}`;
  values.push(input.limit, input.offset);
  const text = `${runsWithMetrics()}
    SELECT *, (count(*) OVER ())::int AS total FROM runs ${where}
    ORDER BY ${orderBy}, id
    LIMIT $${values.length - 1} OFFSET $${values.length}`;
  return { text, values };
}

/** The filtered runs grouped by one field's value: how many, and mean ± std over them of the target and source metrics. */
export function runsTableGroupsQuery(input: RunsTableInput & { groupBy: string }): SqlStatement {
  const values: unknown[] = [input.selection, input.sweepId ?? null];
  const where = whereClause(input.filter ?? [], values);
  const key = `${fieldSql(input.groupBy, false)}::text`;
  const text = `${runsWithMetrics()}
    SELECT ${key} AS value, count(*)::int AS runs, count("targetMean")::int AS scored,
           avg("targetMean")::float8 AS "targetMean", stddev_samp("targetMean")::float8 AS "targetStd",
           avg("sourceAccuracy")::float8 AS "sourceMean", stddev_samp("sourceAccuracy")::float8 AS "sourceStd"
    FROM runs ${where} GROUP BY 1 ORDER BY "targetMean" DESC NULLS LAST, 1`;
  return { text, values };
}
