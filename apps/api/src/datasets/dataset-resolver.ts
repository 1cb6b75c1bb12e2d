import type { PrismaClient } from '@fer/db';
import { ApiError } from '../common/api-error';

export interface ResolvedDataset {
  id: string;
  name: string;
  domain: string;
  version: number;
}

/**
 * A source or target may name a domain (`rafdb`) or a dataset (`my-rafdb-copy`); either resolves to the newest
 * ready dataset version. `field` names the spec field for the error message.
 */
export async function resolveDataset(
  prisma: PrismaClient,
  nameOrDomain: string,
  field: string,
): Promise<ResolvedDataset> {
  const select = { id: true, name: true, domain: true, version: true };
  const newest = [{ createdAt: 'desc' as const }, { version: 'desc' as const }];
  const byDomain = await prisma.dataset.findFirst({
    where: { domain: nameOrDomain, status: 'ready' },
    orderBy: newest,
    select,
  });
  if (byDomain) return byDomain;
  const byName = await prisma.dataset.findFirst({
    where: { name: nameOrDomain, status: 'ready' },
    orderBy: newest,
    select,
  });
  if (byName) return byName;
  const byId = await prisma.dataset.findFirst({ where: { id: nameOrDomain, status: 'ready' }, select });
  if (byId) return byId;
  throw ApiError.validation(`no ready dataset for "${nameOrDomain}"`, [
    {
      field,
      message: `no ready dataset has domain or name "${nameOrDomain}"; import one with \`fer datasets import --format F --path P --name N --domain ${nameOrDomain}\``,
    },
  ]);
}

/**
 * Splits are never substituted: a dataset used as a source must have a train split, a target the split it will be
 * scored on. Refused when the run or sweep is created, naming the dataset, its version and the field.
 */
export async function assertHasSplit(
  prisma: PrismaClient,
  dataset: ResolvedDataset,
  split: string,
  field: string,
): Promise<void> {
  const samples = await prisma.datasetSample.count({ where: { datasetId: dataset.id, split } });
  if (samples > 0) return;
  const hint =
    split === 'train'
      ? 'a source needs a train split to train on'
      : `a target is scored on its ${split} split only; import a dataset version with one, or name another split with targetSplit`;
  throw ApiError.validation(
    `dataset "${dataset.name}" v${dataset.version} (domain ${dataset.domain}) has no ${split} split`,
    [{ field, message: `dataset "${dataset.name}" v${dataset.version} has no ${split} split: ${hint}` }],
  );
}
