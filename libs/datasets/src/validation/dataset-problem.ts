export const PROBLEM_KINDS = [
  'missing-folder',
  'missing-label-file',
  'bad-layout',
  'invalid-utf8',
  'parse-error',
  'unknown-label',
  'missing-file',
  'decode-failed',
  'path-escape',
  'duplicate-key',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface DatasetProblem {
  kind: ProblemKind;
  /** Relative to the dataset root where possible. */
  file: string;
  /** 1-based line of a label file. */
  line?: number;
  field?: string;
  message: string;
  /** The key of the sample this problem rules out, when there is one. */
  sampleKey?: string;
}

export type ProblemCounts = Partial<Record<ProblemKind, number>>;

export function countProblems(problems: readonly DatasetProblem[]): ProblemCounts {
  const counts: ProblemCounts = {};
  for (const problem of problems) counts[problem.kind] = (counts[problem.kind] ?? 0) + 1;
  return counts;
}

export function formatProblem(problem: DatasetProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.field ? ` [${problem.field}]` : '';
  return `${where}${field}: ${problem.kind}: ${problem.message}`;
}
