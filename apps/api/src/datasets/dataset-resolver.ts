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
  // One index probe (datasetId, split, label), not a count over the split: it runs for every target of every submission.
  if (await prisma.datasetSample.findFirst({ where: { datasetId: dataset.id, split }, select: { key: true } })) return;
  const hint =
    split === 'train'
      ? 'a source needs a train split to train on'
      : `a target is scored on its ${split} split only; import a dataset version with one, or name another split with targetSplit`;
  throw ApiError.validation(
    `dataset "${dataset.name}" v${dataset.version} (domain ${dataset.domain}) has no ${split} split`,
    [{ field, message: `dataset "${dataset.name}" v${dataset.version} has no ${split} split: ${hint}` }],
  );
}

/**
 * Resolves every target as resolveDataset does (domain, then name, then id; newest ready version) and checks it has
 * the split it will be scored on, in one query for all of them: a submission should not pay a round trip per target.
 * The first refusal in target order is the one reported.
 */
export async function assertTargetsScorable(
  prisma: PrismaClient,
  targets: readonly string[],
  split: string,
  fieldOf: (target: string, index: number) => string,
): Promise<void> {
  const names = [...new Set(targets)];
  const candidates = await prisma.dataset.findMany({
    where: { status: 'ready', OR: [{ domain: { in: names } }, { name: { in: names } }, { id: { in: names } }] },
    orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
    select: {
      id: true,
      name: true,
      domain: true,
      version: true,
      samples: { where: { split }, take: 1, select: { key: true } },
    },
  });
  for (const [i, target] of targets.entries()) {
    const dataset =
      candidates.find((d) => d.domain === target) ??
      candidates.find((d) => d.name === target) ??
      candidates.find((d) => d.id === target);
    // Not found: resolveDataset says so in its own words (and the import command to run).
    if (!dataset) await resolveDataset(prisma, target, fieldOf(target, i));
    else if (dataset.samples.length === 0) await assertHasSplit(prisma, dataset, split, fieldOf(target, i));
  }
}
