/** What one epoch of training reports. Loss terms are means over the epoch's batches. */
export interface EpochMetrics {
  epoch: number;
  lossTotal: number;
  lossCE: number;
  lossDiverse: number;
  lossSeparation: number;
  trainAccuracy: number;
  sourceValAccuracy: number | null;
  learningRate: number;
  seconds: number;
}

/** What evaluating one model on one dataset yields. */
export interface EvaluationMetrics {
  accuracy: number;
  perClassAccuracy: number[];
  macroF1: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  n: number;
}
