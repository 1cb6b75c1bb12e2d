import type { ModelSelection } from './training-config.schema';

/**
 * The selection every view shows when none is named: the API, the CLI and the web agree on it. (Here, in a module
 * without zod, so client bundles can read it: zod's first object parse probes `new Function`, which the web's CSP
 * reports.)
 */
export const DEFAULT_MODEL_SELECTION: ModelSelection = 'last';

/** One run's value in a cell, so a reader can see the seeds behind a mean and open each run. */
export interface CellRunValue {
  runId: string;
  seed: number;
  /** Accuracy in percent (mean columns: the run's own mean over the columns). */
  value: number;
  /** The epoch the selection picked (null for the mean columns, whose domains may each have their own). */
  epoch: number | null;
}

/** mean ± std over seeds of one group's accuracy on one domain, in percent. */
export interface LeaderboardCell {
  mean: number | null;
  std: number | null;
  /** Number of seeds (runs) behind the mean. */
  n: number;
  /** The runs behind the mean, by seed: the first 10 (n says how many there are; the runs table lists them all). */
  runs: CellRunValue[];
}

export interface LeaderboardRow {
  /** Config group: runs that share everything but the seed. */
  groupKey: string;
  label: string;
  method: string;
  configId: string;
  /** The config fields that distinguish this row (for tooltips and diffs). */
  configSummary: Record<string, unknown>;
  cells: Record<string, LeaderboardCell>;
  /** Mean over all benchmark domains, the source column included (as the paper's Table 1). */
  mean: LeaderboardCell;
  /** Mean over target domains only. */
  targetMean: LeaderboardCell;
  /** Runs listed in the row's cells (the first by seed of each); runCount says how many stand behind the row. */
  runIds: string[];
  /** Succeeded runs behind the row (its best-covered cell's n). */
  runCount: number;
}

/** A dataset version behind a leaderboard column. */
export interface ProvenanceDataset {
  domain: string;
  datasetId: string;
  name: string;
  version: number;
  /** The split(s) of it that were scored. */
  splits: string[];
}

/**
 * How a leaderboard's numbers were obtained: the dataset versions behind each column, the model selection, the seeds,
 * and a hash of the exact set of evaluations (id, dataset, split, checkpoint, epoch, accuracy) behind the cells, so
 * `fer leaderboard --verify HASH` can tell whether the same table would be printed today.
 */
export interface LeaderboardProvenance {
  hash: string;
  selection: ModelSelection;
  datasets: ProvenanceDataset[];
  seeds: number[];
  evaluations: number;
  /**
   * The engines that computed the frozen features the evaluations scored (`onnx`, `tfjs`): two when workers differed.
   * Empty when the methods read none (or the evaluations predate the record).
   */
  frozenEngines: string[];
  /** Run statuses counted: `succeeded`, and `pruned` when the board was asked to include pruned runs. */
  statuses: string[];
  /**
   * Dataset versions behind the board that have a newer ready version: the cells of that column (a target) or the
   * whole board (`role: source`) are stale until the runs are refreshed (POST /benchmarks/:name/refresh).
   */
  stale: StaleDataset[];
}

export interface StaleDataset {
  role: 'target' | 'source';
  domain: string;
  name: string;
  /** The version the board's numbers were computed on, and the newest ready one. */
  usedVersion: number;
  newestVersion: number;
}

export interface Leaderboard {
  benchmark: string;
  source: string;
  selection: ModelSelection;
  provenance: LeaderboardProvenance;
  /** Column order: the benchmark's domains. */
  domains: string[];
  rows: LeaderboardRow[];
  /** Per column (domain name, `mean`, `targetMean`): the group key of the best and second-best rows. */
  best: Record<string, string | undefined>;
  secondBest: Record<string, string | undefined>;
  generatedAt: string;
}

/** The 5 x 5 transfer matrix of one config: rows = source domain, columns = target domain. */
export interface TransferMatrix {
  configId: string;
  benchmark: string;
  selection: ModelSelection;
  domains: string[];
  cells: (LeaderboardCell | null)[][];
}

export const LEADERBOARD_FORMATS = ['json', 'csv', 'markdown', 'latex'] as const;
export type LeaderboardFormat = (typeof LEADERBOARD_FORMATS)[number];
