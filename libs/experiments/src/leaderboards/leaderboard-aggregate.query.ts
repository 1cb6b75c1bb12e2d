import type { ModelSelection } from '@fer/contracts';

/** One leaderboard cell before shaping: mean ± std over seeds of a config group on one column. */
export interface CellAggregate {
  groupKey: string;
  /** A domain name, or `__mean` (all domains, source included) / `__target` (targets only). */
  column: string;
  mean: number | null;
  std: number | null;
  n: number;
}

/** A parameterised SQL statement ($1, $2, ...), runnable as it is by Prisma ($queryRawUnsafe) and by `pg`. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * The leaderboard rule in one statement: which evaluation counts for a run (its last epoch, its source-validation
 * best, or for the oracle its best on the test domain), then mean ± std over seeds per config group and column. The
 * mean columns average each run's own domain mean, and only runs evaluated on every column count, so a
 * half-evaluated run never skews a mean. The API and the benchmark's raw-SQL reference run this same text.
 */
export function leaderboardAggregateQuery(input: {
  source: string;
  domains: string[];
  selection: ModelSelection;
  groupKeys?: string[];
}): SqlStatement {
  const targets = input.domains.filter((d) => d !== input.source);
  const text = `
    WITH per_run AS (
      SELECT r."groupKey" AS g, r.id AS run, e.domain AS d,
             max(e.accuracy) FILTER (WHERE $1::text = 'oracle' OR e.checkpoint = $1::text) * 100 AS acc
      FROM "Run" r JOIN "Evaluation" e ON e."runId" = r.id
      WHERE r."sourceDomain" = $2 AND e.domain = ANY($3::text[])
        AND ($7::text[] IS NULL OR r."groupKey" = ANY($7::text[]))
      GROUP BY r."groupKey", r.id, e.domain
    ), valid AS (
      SELECT * FROM per_run WHERE acc IS NOT NULL
    ), run_mean AS (
      SELECT g, run, avg(acc) AS m, count(*) AS k FROM valid GROUP BY g, run
    ), run_target_mean AS (
      SELECT g, run, avg(acc) AS m, count(*) AS k FROM valid WHERE d = ANY($4::text[]) GROUP BY g, run
    )
    SELECT g AS "groupKey", d AS "column", avg(acc)::float8 AS mean, stddev_samp(acc)::float8 AS std, count(*)::int AS n
      FROM valid GROUP BY g, d
    UNION ALL
    SELECT g, '__mean', avg(m)::float8, stddev_samp(m)::float8, count(*)::int FROM run_mean WHERE k = $5 GROUP BY g
    UNION ALL
    SELECT g, '__target', avg(m)::float8, stddev_samp(m)::float8, count(*)::int FROM run_target_mean WHERE k = $6 GROUP BY g`;
  return {
    text,
    values: [
      input.selection,
      input.source,
      input.domains,
      targets,
      input.domains.length,
      targets.length,
      input.groupKeys ?? null,
    ],
  };
}
