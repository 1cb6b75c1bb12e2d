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

/** $1 = selection: the evaluations a selection reads (every checkpoint for the oracle, which takes the best). */
const SELECTED_EVALUATION = `($1::text = 'oracle' OR e.checkpoint = $1::text)`;
/** $2 = source, $3 = the benchmark's domains: the runs trained on the source, scored on those domains. */
const SOURCE_RUNS_ON_DOMAINS = `r."sourceDomain" = $2 AND e.domain = ANY($3::text[])`;

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
             max(e.accuracy) FILTER (WHERE ${SELECTED_EVALUATION}) * 100 AS acc
      FROM "Run" r JOIN "Evaluation" e ON e."runId" = r.id
      WHERE ${SOURCE_RUNS_ON_DOMAINS}
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

/** What the provenance statement answers: a digest of the evaluations read, and what stands behind them. */
export interface ProvenanceAggregate {
  /** sha256 (hex) of every evaluation read, one line each (id, dataset, split, checkpoint, epoch, accuracy), by id. */
  digest: string;
  evaluations: number;
  seeds: number[];
  datasets: { datasetId: string; domain: string; splits: string[] }[];
}

/**
 * The evaluations the leaderboard statement reads, for the same source, domains and selection, reduced in the
 * database to a digest, a count, the seeds and the dataset versions behind each column: a board's provenance costs one
 * more statement, not a transfer of every evaluation row.
 */
export function leaderboardProvenanceQuery(input: {
  source: string;
  domains: string[];
  selection: ModelSelection;
}): SqlStatement {
  const text = `
    WITH read AS (
      SELECT e.id, e."datasetId", e.domain, e.split, e.checkpoint, e.epoch, e.accuracy, r.seed
      FROM "Run" r JOIN "Evaluation" e ON e."runId" = r.id
      WHERE ${SOURCE_RUNS_ON_DOMAINS} AND ${SELECTED_EVALUATION}
    )
    SELECT
      (SELECT encode(sha256(convert_to(coalesce(string_agg(
         concat_ws(E'\\t', id, "datasetId", split, checkpoint, epoch, accuracy), E'\\n' ORDER BY id), ''), 'UTF8')), 'hex') FROM read) AS digest,
      (SELECT count(*)::int FROM read) AS evaluations,
      (SELECT coalesce(array_agg(DISTINCT seed ORDER BY seed), '{}') FROM read) AS seeds,
      (SELECT coalesce(json_agg(json_build_object('datasetId', "datasetId", 'domain', domain, 'splits', splits)), '[]')
         FROM (SELECT "datasetId", domain, array_agg(DISTINCT split ORDER BY split) AS splits FROM read GROUP BY "datasetId", domain) d) AS datasets`;
  return { text, values: [input.selection, input.source, input.domains] };
}
