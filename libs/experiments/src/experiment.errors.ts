import type { FieldProblem } from '@fer/contracts';

/** Why the experiment domain refused something; the API maps each code to HTTP in its exception filter. */
export enum ExperimentErrorCode {
  /** A sweep or config asks for something that cannot run (invalid value, unknown backbone, too many runs). */
  InvalidExperiment = 'invalid_experiment',
}

/** A domain rule refused the input. Carries one problem per offending field, named as the user wrote it. */
export class ExperimentError extends Error {
  constructor(
    readonly code: ExperimentErrorCode,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ExperimentError';
  }

  static invalid(message: string, problems: FieldProblem[] = []): ExperimentError {
    return new ExperimentError(ExperimentErrorCode.InvalidExperiment, message, problems);
  }
}
