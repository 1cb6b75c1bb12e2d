import { z } from 'zod';

/** A benchmark or domain name: lower-case letters, digits and dashes, as the built-ins (`fer5`, `synth-studio`). */
const slug = (what: string) =>
  z
    .string()
    .min(2)
    .max(50)
    .regex(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/, `a ${what} is lower-case letters, digits and dashes, e.g. "ck-plus"`);

/** `POST /benchmarks`: a team's own benchmark, an ordered set of domains (the leaderboard's column order). */
export const benchmarkCreateSchema = z
  .object({
    name: slug('benchmark name'),
    description: z.string().max(2000).default(''),
    domains: z
      .array(slug('domain'))
      .min(2, 'a benchmark needs at least two domains: one to train on, one to test on')
      .max(20)
      .refine((domains) => new Set(domains).size === domains.length, 'each domain once'),
    numClasses: z.union([z.literal(7), z.literal(8)]).default(7),
  })
  .strict();

export type BenchmarkCreateInput = z.input<typeof benchmarkCreateSchema>;
export type BenchmarkCreate = z.output<typeof benchmarkCreateSchema>;
