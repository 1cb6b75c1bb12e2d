import type { Prisma } from '@fer/db';
import { ApiError } from '../common/api-error';
import { queryRows, type PrismaService } from '../database/prisma.service';
import type { SubmissionCatalogCache } from './submission-catalog.cache';

export interface ResolvedDataset {
  id: string;
  name: string;
  domain: string;
  version: number;
}

/** A ready dataset a name may resolve to, with which of the asked-for splits it has. */
type Candidate = ResolvedDataset & { splits: string[] };

/**
 * What resolving a submission reads: the benchmark it names (null: none) and the ready datasets its names may resolve
 * to, newest first. Shared by every request that hits the SubmissionCatalogCache: read it, never change it.
 */
export interface SubmissionCatalog {
  benchmark: (SubmissionBenchmark & { archivedAt: string | null }) | null;
  datasets: Candidate[];
}

/** The open benchmark a submission names. */
export interface SubmissionBenchmark {
  name: string;
  domains: string[];
}

// The candidates for a list of names (`names`, a text[] expression), newest first, each with which of the splits in
// $2 it has (an index probe per split, not a count). Both statements below use it, so a name resolves alike everywhere.
const candidates = (names: string) => `
  SELECT d.id, d.name, d.domain, d.version, d."createdAt",
         ARRAY(SELECT sp FROM unnest($2::text[]) sp
                WHERE EXISTS (SELECT 1 FROM "DatasetSample" s WHERE s."datasetId" = d.id AND s.split = sp)) AS splits
    FROM "Dataset" d
   WHERE d.status = 'ready' AND (d.domain = ANY(${names}) OR d.name = ANY(${names}) OR d.id = ANY(${names}))
   ORDER BY d."createdAt" DESC, d.version DESC`;

/**
 * Sources and targets may name a domain (`rafdb`), a dataset (`my-rafdb-copy`) or a dataset id; each resolves to the
 * newest ready version, a domain match before a name match before an id. Splits are never substituted: each must have
 * the split it is used on (train for a source, the target split for a target), or it is refused naming the dataset,
 * its version and the field. One query for all the names: a submission does not pay a round trip per domain. The
 * first refusal in the given order is the one reported.
 */
export async function resolveDatasets(
  db: PrismaService | Prisma.TransactionClient,
  names: readonly string[],
  split: string,
  fieldOf: (name: string, index: number) => string,
): Promise<ResolvedDataset[]> {
  const found = await queryRows<Candidate>(db, 'resolve-datasets', candidates('$1::text[]'), [
    [...new Set(names)],
    [split],
  ]);
  return pickDatasets(found, names, split, fieldOf);
}

export interface SubmissionRequest {
  benchmark: string;
  sources: readonly string[];
  sourceField: (name: string, index: number) => string;
  /** Absent: the benchmark's domains. */
  targets?: readonly string[];
  targetSplit: string;
  targetField: (name: string, index: number) => string;
}

/**
 * What a submission (POST /runs, a sweep) needs before it stores anything, in one prepared statement or none (the
 * catalog kept by `cache`, which PostgreSQL empties on every change to benchmarks, datasets or their samples): the
 * benchmark (it must exist and be open: refused here), then, when the caller asks (`datasets()`, after its own checks
 * of the config, so refusals keep their order), the sources (each with a train split) and the targets (the
 * benchmark's domains unless named, each with the target split), each refusal naming its field.
 */
export async function resolveSubmission(
  prisma: PrismaService,
  request: SubmissionRequest,
  cache: SubmissionCatalogCache | null,
): Promise<{ benchmark: SubmissionBenchmark; datasets(): { sources: ResolvedDataset[]; targets: ResolvedDataset[] } }> {
  const names = [...new Set([...request.sources, ...(request.targets ?? [])])];
  const key = JSON.stringify([request.benchmark, request.targetSplit, [...names].sort()]);
  let catalog = cache?.get(key);
  if (!catalog) {
    const generation = cache?.generation ?? 0;
    catalog = await readSubmissionCatalog(prisma, request.benchmark, names, request.targetSplit);
    cache?.store(key, catalog, generation);
  }
  const { benchmark, datasets } = catalog;
  if (!benchmark) {
    throw ApiError.validation(`unknown benchmark "${request.benchmark}"`, [
      { field: 'benchmark', message: 'no such benchmark: GET /benchmarks lists them' },
    ]);
  }
  if (benchmark.archivedAt) {
    throw ApiError.validation(`benchmark "${request.benchmark}" is archived`, [
      { field: 'benchmark', message: 'archived: its leaderboards stay readable, but it takes no new runs' },
    ]);
  }
  return {
    benchmark: { name: benchmark.name, domains: [...benchmark.domains] },
    datasets: () => ({
      sources: pickDatasets(datasets, request.sources, 'train', request.sourceField),
      targets: pickDatasets(datasets, request.targets ?? benchmark.domains, request.targetSplit, request.targetField),
    }),
  };
}

async function readSubmissionCatalog(prisma: PrismaService, benchmark: string, names: string[], targetSplit: string): Promise<SubmissionCatalog> {
  const row = await prisma.one<SubmissionCatalog>(
    'resolve-submission',
    `WITH bench AS (SELECT name, domains, "archivedAt" FROM "Benchmark" WHERE name = $3),
          candidate AS (${candidates(`($1::text[] || coalesce((SELECT domains FROM bench), '{}'))`)})
     SELECT (SELECT row_to_json(bench) FROM bench) AS benchmark,
            (SELECT coalesce(json_agg(candidate ORDER BY candidate."createdAt" DESC, candidate.version DESC), '[]'::json) FROM candidate) AS datasets`,
    [names, ['train', targetSplit], benchmark],
  );
  return row!;
}

function pickDatasets(
  candidates: Candidate[],
  names: readonly string[],
  split: string,
  fieldOf: (name: string, index: number) => string,
): ResolvedDataset[] {
  return names.map((name, index) => {
    const found =
      candidates.find((d) => d.domain === name) ??
      candidates.find((d) => d.name === name) ??
      candidates.find((d) => d.id === name);
    const field = fieldOf(name, index);
    if (!found) {
      throw ApiError.validation(`no ready dataset for "${name}"`, [
        {
          field,
          message: `no ready dataset has domain or name "${name}"; import one with \`fer datasets import --format F --path P --name N --domain ${name}\``,
        },
      ]);
    }
    const { splits, ...dataset } = found;
    if (!splits.includes(split)) {
      const hint =
        split === 'train'
          ? 'a source needs a train split to train on'
          : `a target is scored on its ${split} split only; import a dataset version with one, or name another split with targetSplit`;
      throw ApiError.validation(
        `dataset "${dataset.name}" v${dataset.version} (domain ${dataset.domain}) has no ${split} split`,
        [{ field, message: `dataset "${dataset.name}" v${dataset.version} has no ${split} split: ${hint}` }],
      );
    }
    return { id: dataset.id, name: dataset.name, domain: dataset.domain, version: dataset.version };
  });
}
