import type { z } from 'zod';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `base.optimizer.lr`; empty for the whole document. */
  field: string;
  message: string;
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** One line per problem, each naming its field: what every user-facing surface prints. */
export function describeZodError(error: z.ZodError, source?: string): string {
  const prefix = source ? `${source}: ` : '';
  return fieldProblems(error)
    .map((p) => `${prefix}${p.field ? `field "${p.field}"` : 'document'}: ${p.message}`)
    .join('\n');
}
