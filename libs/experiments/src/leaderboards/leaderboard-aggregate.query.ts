import type { CellRunValue, ModelSelection } from '@fer/contracts';

/** One leaderboard cell before shaping: mean ± std over seeds of a config group on one column. */
export interface CellAggregate {
  groupKey: string;
  /** A domain name, or `__mean` (all domains, source included) / `__target` (targets only). */
  column: string;
  mean: number | null;
  std: number | null;
  n: number;
  runs: CellRunValue[];
}

/** A parameterised SQL statement ($1, $2, ...), runnable as it is by Prisma ($queryRawUnsafe) and by `pg`. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * DomainBed's model selections over the stored per-epoch evaluations, as one CTE (`selected`): for each run the filter
 * admits and each domain it was scored on (on the newest dataset version it was scored on there: a refreshed run's new
 * scores replace the old ones), the one evaluation $1 picks: `last` its last epoch (a pruned run's: the epoch it stopped at), `source-val` the epoch
 * best on the held-out source split (a run without a hold-out has none), `oracle` its best epoch on that target (ties:
 * the earliest). Every view (leaderboard, transfer matrix, ablation, run page) reads its numbers through this rule.
 */
export function selectedEvaluationsCte(runFilter: string): string {
  return `selected AS (
      SELECT DISTINCT ON (e."runId", e.domain)
             e.id, e."runId", e."datasetId", e.domain, e.split, e.checkpoint, e.epoch, e.accuracy, e."frozenEngine", r."groupKey", r.seed
      FROM "Run" r JOIN "Evaluation" e ON e."runId" = r.id JOIN "Dataset" dv ON dv.id = e."datasetId"
      WHERE ${runFilter}
        AND ($1::text = 'oracle'
             OR ($1::text = 'last' AND e.epoch = CASE WHEN r.status = 'pruned' THEN r.epoch ELSE r.epochs END)
             OR ($1::text = 'source-val' AND e.epoch = r."sourceValBestEpoch"))
      ORDER BY e."runId", e.domain, dv.version DESC, e.accuracy DESC, e.epoch ASC
    )`;
}

/**
 * $2 = source, $3 = domains, `$statuses` = the run statuses that count: the succeeded runs trained on the source (and
 * the pruned ones when asked), on those domains (running runs never count).
 */
const selectedForBoard = (statuses: string) =>
  selectedEvaluationsCte(`r."sourceDomain" = $2 AND e.domain = ANY($3::text[]) AND r.status::text = ANY(${statuses}::text[])`);

/** The run statuses a board counts: succeeded, and pruned runs (at the epoch they stopped) when asked. */
export function boardStatuses(includePruned: boolean | undefined): string[] {
  return includePruned ? ['succeeded', 'pruned'] : ['succeeded'];
}

/** One evaluation a selection picked. */
export interface SelectedEvaluationRow {
  id: string;
  runId: string;
  datasetId: string;
  domain: string;
  split: string;
  epoch: number;
  accuracy: number;
}

/**
 * The evaluations a selection picks for the succeeded runs of a sweep, or for one run whatever its status (its run
 * page shows what the selection picks so far).
 */
export function selectedEvaluationsQuery(
  input: { selection: ModelSelection } & ({ sweepId: string; statuses?: string[] } | { runId: string }),
): SqlStatement {
  const filter = 'sweepId' in input ? `r."sweepId" = $2 AND r.status::text = ANY($3::text[])` : `r.id = $2`;
  return {
    text: `WITH ${selectedEvaluationsCte(filter)}
      SELECT id, "runId", "datasetId", domain, split, epoch, accuracy FROM selected ORDER BY "runId", domain, "datasetId"`,
    values: 'sweepId' in input ? [input.selection, input.sweepId, input.statuses ?? ['succeeded']] : [input.selection, input.runId],
  };
}

/** A sweep's best config group on target mean, per the sweeps list. */
export interface SweepBestRow {
  sweepId: string;
  groupKey: string;
  source: string;
  /** Mean over seeds of each run's mean accuracy on its targets other than the source, in percent. */
  targetMean: number;
  runs: number;
}

/**
 * For each listed sweep, the config group and source with the best target mean under the selection (the leaderboard's
 * rule: succeeded runs, their own mean over the targets that are not their source, then the mean over seeds).
 */
export function sweepBestQuery(input: { selection: ModelSelection; sweepIds: string[] }): SqlStatement {
  const text = `
    WITH ${selectedEvaluationsCte(`r."sweepId" = ANY($2::text[]) AND r.status = 'succeeded'`)},
    per_run AS (
      SELECT r."sweepId" AS sweep, s."groupKey" AS g, r."sourceDomain" AS source, s."runId", avg(s.accuracy) * 100 AS m
      FROM selected s JOIN "Run" r ON r.id = s."runId"
      WHERE s.domain <> r."sourceDomain"
      GROUP BY r."sweepId", s."groupKey", r."sourceDomain", s."runId"
    ), per_group AS (
      SELECT sweep, g, source, avg(m) AS mean, count(*)::int AS runs FROM per_run GROUP BY sweep, g, source
    )
    SELECT DISTINCT ON (sweep) sweep AS "sweepId", g AS "groupKey", source, mean::float8 AS "targetMean", runs
      FROM per_group ORDER BY sweep, mean DESC, g`;
  return { text, values: [input.selection, input.sweepIds] };
}

/**
 * Runs listed per cell (by seed): a cell's mean covers all its runs, its per-seed view the first ones, so a board of
 * 10,000 runs stays a board and not a dump; the runs table lists them all.
 */
export const LEADERBOARD_CELL_RUNS = 10;

/**
 * The leaderboard rule in one statement: the evaluation each selection picks per run and domain, then mean ± std over
 * seeds per config group and column, with the runs' own values (per-seed view, the first LEADERBOARD_CELL_RUNS). The mean columns average each run's own
 * domain mean, and only runs scored on every column count, so a half-scored run never skews a mean. The API and the
 * benchmark's raw-SQL reference run this same text.
 */
export function leaderboardAggregateQuery(input: {
  source: string;
  domains: string[];
  selection: ModelSelection;
  groupKeys?: string[];
  includePruned?: boolean;
}): SqlStatement {
  const targets = input.domains.filter((d) => d !== input.source);
  const runValues = (value: string, epoch: string) =>
    `coalesce(json_agg(json_build_object('runId', run, 'seed', seed, 'value', ${value}, 'epoch', ${epoch}) ORDER BY seed, run) FILTER (WHERE rn <= $8), '[]')`;
  const text = `
    WITH ${selectedForBoard('$9')}, picked AS (
      SELECT "groupKey" AS g, "runId" AS run, seed, domain AS d, epoch, accuracy * 100 AS acc
      FROM selected
      WHERE $7::text[] IS NULL OR "groupKey" = ANY($7::text[])
    ), valid AS (
      SELECT *, row_number() OVER (PARTITION BY g, d ORDER BY seed, run) AS rn FROM picked
    ), run_mean AS (
      SELECT g, run, seed, m, k, row_number() OVER (PARTITION BY g, k = $5 ORDER BY seed, run) AS rn
      FROM (SELECT g, run, seed, avg(acc) AS m, count(*) AS k FROM valid GROUP BY g, run, seed) r
    ), run_target_mean AS (
      SELECT g, run, seed, m, k, row_number() OVER (PARTITION BY g, k = $6 ORDER BY seed, run) AS rn
      FROM (SELECT g, run, seed, avg(acc) AS m, count(*) AS k FROM valid WHERE d = ANY($4::text[]) GROUP BY g, run, seed) r
    )
    SELECT g AS "groupKey", d AS "column", avg(acc)::float8 AS mean, stddev_samp(acc)::float8 AS std, count(*)::int AS n,
           ${runValues('acc', 'epoch')} AS runs
      FROM valid GROUP BY g, d
    UNION ALL
    SELECT g, '__mean', avg(m)::float8, stddev_samp(m)::float8, count(*)::int, ${runValues('m', 'NULL')}
      FROM run_mean WHERE k = $5 GROUP BY g
    UNION ALL
    SELECT g, '__target', avg(m)::float8, stddev_samp(m)::float8, count(*)::int, ${runValues('m', 'NULL')}
      FROM run_target_mean WHERE k = $6 GROUP BY g`;
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
      LEADERBOARD_CELL_RUNS,
      boardStatuses(input.includePruned),
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
  /** The source dataset versions the runs behind the board trained on. */
  sourceDatasets: string[];
  /** The engines that computed the frozen features the evaluations scored (none when no method read any). */
  frozenEngines: string[];
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
  includePruned?: boolean;
}): SqlStatement {
  const text = `
    WITH ${selectedForBoard('$4')}, read AS (SELECT * FROM selected)
    SELECT
      (SELECT encode(sha256(convert_to(coalesce(string_agg(
         concat_ws(E'\\t', id, "datasetId", split, checkpoint, epoch, accuracy), E'\\n' ORDER BY id), ''), 'UTF8')), 'hex') FROM read) AS digest,
      (SELECT count(*)::int FROM read) AS evaluations,
      (SELECT coalesce(array_agg(DISTINCT seed ORDER BY seed), '{}') FROM read) AS seeds,
      (SELECT coalesce(array_agg(DISTINCT r."sourceDatasetId"), '{}') FROM read JOIN "Run" r ON r.id = read."runId") AS "sourceDatasets",
      (SELECT coalesce(array_agg(DISTINCT "frozenEngine" ORDER BY "frozenEngine") FILTER (WHERE "frozenEngine" IS NOT NULL), '{}') FROM read) AS "frozenEngines",
      (SELECT coalesce(json_agg(json_build_object('datasetId', "datasetId", 'domain', domain, 'splits', splits)), '[]')
         FROM (SELECT "datasetId", domain, array_agg(DISTINCT split ORDER BY split) AS splits FROM read GROUP BY "datasetId", domain) d) AS datasets`;
  return { text, values: [input.selection, input.source, input.domains, boardStatuses(input.includePruned)] };
}
