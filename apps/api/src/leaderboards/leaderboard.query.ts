import { ModelSelection } from '@fer/contracts';
import type { PrismaClient } from '@fer/db';
import { Prisma } from '@fer/db';

export interface CellAggregate {
  groupKey: string;
  /** A domain name, or `__mean` (all domains, source included) / `__target` (targets only). */
  column: string;
  mean: number | null;
  std: number | null;
  n: number;
}

/** Which evaluation counts for a run: its last epoch, its source-validation best, or (oracle) the best on the test domain. */
function accuracyExpression(selection: ModelSelection): Prisma.Sql {
  if (selection === 'oracle') return Prisma.sql`max(e.accuracy)`;
  return Prisma.sql`max(e.accuracy) FILTER (WHERE e.checkpoint = ${selection})`;
}

/**
 * mean ± std over seeds, per config group and column, in one SQL statement. The mean columns average each run's
 * own domain mean, and only runs evaluated on every column count, so a half-evaluated run never skews a mean.
 */
export async function aggregateLeaderboard(
  prisma: PrismaClient,
  input: { source: string; domains: string[]; selection: ModelSelection; groupKeys?: string[] },
): Promise<CellAggregate[]> {
  const targets = input.domains.filter((d) => d !== input.source);
  const groupFilter = input.groupKeys ? Prisma.sql`AND r."groupKey" IN (${Prisma.join(input.groupKeys)})` : Prisma.empty;
  return prisma.$queryRaw<CellAggregate[]>`
    WITH per_run AS (
      SELECT r."groupKey" AS g, r.id AS run, e.domain AS d, ${accuracyExpression(input.selection)} * 100 AS acc
      FROM "Run" r JOIN "Evaluation" e ON e."runId" = r.id
      WHERE r."sourceDomain" = ${input.source} AND e.domain IN (${Prisma.join(input.domains)}) ${groupFilter}
      GROUP BY r."groupKey", r.id, e.domain
    ), valid AS (
      SELECT * FROM per_run WHERE acc IS NOT NULL
    ), run_mean AS (
      SELECT g, run, avg(acc) AS m, count(*) AS k FROM valid GROUP BY g, run
    ), run_target_mean AS (
      SELECT g, run, avg(acc) AS m, count(*) AS k FROM valid
      WHERE d IN (${targets.length ? Prisma.join(targets) : Prisma.sql`NULL`}) GROUP BY g, run
    )
    SELECT g AS "groupKey", d AS "column", avg(acc)::float8 AS mean, stddev_samp(acc)::float8 AS std, count(*)::int AS n
      FROM valid GROUP BY g, d
    UNION ALL
    SELECT g, '__mean', avg(m)::float8, stddev_samp(m)::float8, count(*)::int
      FROM run_mean WHERE k = ${input.domains.length} GROUP BY g
    UNION ALL
    SELECT g, '__target', avg(m)::float8, stddev_samp(m)::float8, count(*)::int
      FROM run_target_mean WHERE k = ${targets.length} GROUP BY g`;
}
