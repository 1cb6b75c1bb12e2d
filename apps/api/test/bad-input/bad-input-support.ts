import type { PrismaClient } from '@fer/db';
import assert from 'node:assert/strict';

/** Row counts of every table a bad request could write to: compared before and after to prove nothing was stored. */
export async function rowCounts(prisma: PrismaClient): Promise<Record<string, number>> {
  const [sweeps, runs, configs, datasets, samples, webhooks, keys, idempotency, evaluations, artifacts, probes, benchmarks] = await Promise.all([
    prisma.sweep.count(),
    prisma.run.count(),
    prisma.config.count(),
    prisma.dataset.count(),
    prisma.datasetSample.count(),
    prisma.webhook.count(),
    prisma.apiKey.count(),
    prisma.idempotencyRecord.count(),
    prisma.evaluation.count(),
    prisma.artifact.count(),
    prisma.queueProbe.count(),
    prisma.benchmark.count(),
  ]);
  return { sweeps, runs, configs, datasets, samples, webhooks, keys, idempotency, evaluations, artifacts, probes, benchmarks };
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- error envelopes are asserted field by field
  body: any;
  text: string;
}

/**
 * The answer is the given 4xx, in the error envelope, its message or a problem matching `names` (the field or the
 * file that is wrong), and no table gained a row.
 */
export async function assertRefused(
  prisma: PrismaClient,
  what: string,
  send: () => Promise<Answer>,
  expected: { status: number; names: RegExp; code?: string; field?: string },
): Promise<Answer> {
  const before = await rowCounts(prisma);
  const answer = await send();
  assert.equal(answer.status, expected.status, `${what}: ${answer.text.slice(0, 500)}`);
  assert.equal(answer.body?.error?.status, expected.status, `${what}: error envelope`);
  if (expected.code) assert.equal(answer.body.error.code, expected.code, what);
  const said = `${answer.body.error.message} ${JSON.stringify(answer.body.error.problems ?? [])}`;
  if (process.env.FER_BAD_INPUT_VERBOSE) console.log(`${what} → ${answer.status} ${said.slice(0, 300)}`);
  assert.match(said, expected.names, `${what}: the answer names the problem`);
  if (expected.field) {
    const fields = (answer.body.error.problems ?? []).map((p: { field: string }) => p.field);
    assert.ok(fields.includes(expected.field), `${what}: problems name field ${expected.field}, got ${JSON.stringify(fields)}`);
  }
  assert.deepEqual(await rowCounts(prisma), before, `${what}: nothing stored`);
  return answer;
}
