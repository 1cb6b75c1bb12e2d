import {
  contentId,
  MAX_RUNS_PER_SWEEP,
  SeededRandom,
  TpeSearch,
  SweepSpec,
  TrainingConfig,
  METHODS,
  trainingConfigSchema,
} from '@fer/contracts';
import { ZodError } from 'zod';
import { ExperimentError } from '../experiment.errors';
import { assertRunnable } from '../runs/runnable-config';
import { sampleDistribution, type ParameterValue } from './search/sample-distribution';
import { proposeTpe, type TpeObservation } from './search/tpe';

export type { ParameterValue };

export interface ExpandedConfig {
  configId: string;
  config: TrainingConfig;
  /** The values the search space set for this point (ablation tables read these). */
  params: Record<string, ParameterValue>;
}

/**
 * The points of the search space, each a valid config; deterministic for a given spec. Throws an ExperimentError
 * naming the offending field (`search.parameters.optimizer.lr`, `base.backbone`, ...) and expands nothing.
 */
export function expandSearchSpace(spec: SweepSpec, dataRoots?: readonly string[]): ExpandedConfig[] {
  const points =
    spec.search.kind === 'grid' ? gridPoints(spec.search.parameters) : spec.search.kind === 'random' ? randomPoints(spec.search) : tpeStartupPoints(spec.search);
  const planned = spec.search.kind === 'tpe' ? spec.search.budget : points.length;
  const runs = planned * spec.sources.length * spec.seeds.length;
  if (runs > MAX_RUNS_PER_SWEEP) {
    throw ExperimentError.invalid(`the sweep expands to ${runs} runs; the limit is ${MAX_RUNS_PER_SWEEP}`, [
      {
        field: 'search',
        message: `expands to ${runs} runs (points x sources x seeds); the limit is ${MAX_RUNS_PER_SWEEP}`,
      },
    ]);
  }
  const seen = new Map<string, ExpandedConfig>();
  points.forEach((params, index) => {
    const point = configAt(spec, params, index, dataRoots);
    if (!seen.has(point.configId)) seen.set(point.configId, point);
  });
  return [...seen.values()];
}

/**
 * One point of the search space as a runnable config (the searcher's proposals go through here too), or an
 * ExperimentError naming the field.
 */
export function configAt(
  spec: SweepSpec,
  params: Record<string, ParameterValue>,
  index: number,
  dataRoots?: readonly string[],
): ExpandedConfig {
  const config = applyParameters(spec.base, params, spec.search.kind === 'grid' ? `search.parameters` : `search.parameters (sample ${index})`);
  assertRunnable(config, spec.search.kind === 'grid' && Object.keys(params).length === 0 ? 'base' : `search point ${index}`, dataRoots);
  return { configId: contentId('cfg', config), config, params };
}

/**
 * A TPE search's startup trials (random draws that no result can change): the points a plan checks and the first
 * trials a new sweep starts. The rest are proposed from the results as runs end.
 */
export function tpeStartupPoints(search: TpeSearch): Record<string, ParameterValue>[] {
  const n = Math.min(search.budget, search.startupTrials);
  return Array.from({ length: n }, (_, trialIndex) => tpeProposal(search, trialIndex, []).params);
}

/** Trial `trialIndex` of a TPE search, given the finished trials' results. */
export function tpeProposal(search: TpeSearch, trialIndex: number, history: TpeObservation[], goal: 'maximize' | 'minimize' = 'maximize') {
  return proposeTpe({
    parameters: search.parameters,
    history,
    trialIndex,
    seed: search.samplerSeed,
    startupTrials: search.startupTrials,
    candidates: search.candidates,
    goal,
  });
}

/** Every method's default config merged: which fields are objects, so a nested parameter path can be checked. */
const OBJECT_FIELDS_OF_DEFAULTS: Record<string, unknown> = Object.assign(
  {},
  ...METHODS.map((method) => trainingConfigSchema.parse({ method })),
);

/** Size of a grid before materialising it, so a search space of millions is refused cheaply. */
function gridSize(parameters: Record<string, ParameterValue[]>): number {
  return Object.values(parameters).reduce((size, values) => size * values.length, 1);
}

function gridPoints(parameters: Record<string, ParameterValue[]>): Record<string, ParameterValue>[] {
  const size = gridSize(parameters);
  if (size > MAX_RUNS_PER_SWEEP) {
    throw ExperimentError.invalid(`the grid has ${size} points; the limit is ${MAX_RUNS_PER_SWEEP} runs per sweep`, [
      { field: 'search.parameters', message: `grid of ${size} points exceeds ${MAX_RUNS_PER_SWEEP}` },
    ]);
  }
  let points: Record<string, ParameterValue>[] = [{}];
  for (const name of Object.keys(parameters).sort()) {
    points = points.flatMap((point) => parameters[name].map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

function randomPoints(search: Extract<SweepSpec['search'], { kind: 'random' }>): Record<string, ParameterValue>[] {
  const random = new SeededRandom(search.samplerSeed);
  const names = Object.keys(search.parameters).sort();
  return Array.from({ length: search.budget }, () =>
    Object.fromEntries(names.map((name) => [name, sampleDistribution(search.parameters[name], random)])),
  );
}

/**
 * The base as written plus one point's parameters, resolved as a whole. A nested path must lead through an object
 * field of the config (`optimizer.lr`); the object is created in the draft when the base does not write it.
 */
function applyParameters(
  base: Record<string, unknown>,
  params: Record<string, ParameterValue>,
  where: string,
): TrainingConfig {
  const draft = structuredClone(base);
  const resolved = OBJECT_FIELDS_OF_DEFAULTS;
  for (const [path, value] of Object.entries(params)) {
    const keys = path.split('.');
    let node = draft;
    let shape: unknown = resolved;
    for (const key of keys.slice(0, -1)) {
      shape = (shape as Record<string, unknown> | undefined)?.[key];
      const isObjectField = typeof shape === 'object' && shape !== null && !Array.isArray(shape);
      if (!isObjectField || (node[key] !== undefined && (typeof node[key] !== 'object' || node[key] === null))) {
        throw ExperimentError.invalid(`unknown config parameter "${path}"`, [
          { field: `${where}.${path}`, message: 'not a config field' },
        ]);
      }
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  try {
    return trainingConfigSchema.parse(draft);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    // An unknown key is reported on its parent object: name the parameter itself, with its value.
    const problems = error.issues.flatMap((issue) =>
      (issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => [...issue.path, key].join('.'))
        : [issue.path.join('.')]
      ).map((path) => ({
        field: `${where}.${path}`,
        message: `${issue.message} (value ${JSON.stringify(params[path] ?? null)})`,
      })),
    );
    throw ExperimentError.invalid(
      `the search space sets an invalid value: ${problems[0].field}: ${problems[0].message}`,
      problems,
    );
  }
}
