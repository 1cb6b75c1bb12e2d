import type { Prisma } from '@fer/db';
import { ApiError } from '../common/api-error';

export interface ResolvedDataset {
  id: string;
  name: string;
  domain: string;
  version: number;
}

/**
 * Sources and targets may name a domain (`rafdb`), a dataset (`my-rafdb-copy`) or a dataset id; each resolves to the
 * newest ready version, a domain match before a name match before an id. Splits are never substituted: each must have
 * the split it is used on (train for a source, the target split for a target), or it is refused naming the dataset,
 * its version and the field. One query for all the names: a submission does not pay a round trip per domain. The
 * first refusal in the given order is the one reported.
 */
export async function resolveDatasets(
  prisma: Prisma.TransactionClient,
  names: readonly string[],
  split: string,
  fieldOf: (name: string, index: number) => string,
): Promise<ResolvedDataset[]> {
  const distinct = [...new Set(names)];
  // One statement: the candidates, newest first, each with whether the split exists (an index probe, not a count).
  const candidates = await prisma.$queryRawUnsafe<(ResolvedDataset & { hasSplit: boolean })[]>(
    `SELECT d.id, d.name, d.domain, d.version,
            EXISTS (SELECT 1 FROM "DatasetSample" s WHERE s."datasetId" = d.id AND s.split = $2) AS "hasSplit"
       FROM "Dataset" d
      WHERE d.status = 'ready' AND (d.domain = ANY($1::text[]) OR d.name = ANY($1::text[]) OR d.id = ANY($1::text[]))
      ORDER BY d."createdAt" DESC, d.version DESC`,
    distinct,
    split,
  );
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
    const { hasSplit, ...dataset } = found;
    if (!hasSplit) {
      const hint =
        split === 'train'
          ? 'a source needs a train split to train on'
          : `a target is scored on its ${split} split only; import a dataset version with one, or name another split with targetSplit`;
      throw ApiError.validation(
        `dataset "${dataset.name}" v${dataset.version} (domain ${dataset.domain}) has no ${split} split`,
        [{ field, message: `dataset "${dataset.name}" v${dataset.version} has no ${split} split: ${hint}` }],
      );
    }
    return dataset;
  });
}
