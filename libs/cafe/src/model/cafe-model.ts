import { trainsOnImages, type TrainingConfig } from '@fer/contracts';
import { CafeCheckpoint } from './checkpoint';
import { getMethod } from '../methods/method.registry';
import type { MethodModel } from '../methods/method';
import type { SharedFrozenBranch } from './shared-frozen';
import { NamedVariable, assignVariables, disposeVariables } from './model-parameters';
import { SeededRandom } from '@fer/contracts';

/** A built model of a training config: the method's model over `featureDim`-wide frozen features. */
export interface CafeModel {
  config: TrainingConfig;
  featureDim: number;
  method: MethodModel;
  /** `augment.frozenPath: shared`: the frozen model, run on each batch's images. */
  frozen?: SharedFrozenBranch;
  parameters: NamedVariable[];
  dispose(): void;
}

/** Builds and initialises (seeded, PyTorch-like) the model of `config`. */
export function buildModel(config: TrainingConfig, featureDim: number, rng: SeededRandom, frozen?: SharedFrozenBranch): CafeModel {
  if (config.augment.frozenPath === 'shared' && !frozen)
    throw new Error('augment.frozenPath "shared" runs the frozen model every step: give the model its frozen branch (the backbone)');
  const method = getMethod(config.method).build({ config, featureDim, rng });
  const names = new Set<string>();
  for (const p of method.parameters) {
    if (names.has(p.name)) throw new Error(`duplicate parameter name "${p.name}"`);
    names.add(p.name);
  }
  return { config, featureDim, method, frozen, parameters: method.parameters, dispose: () => disposeVariables(method.parameters) };
}

/** The model a checkpoint holds (weights and BatchNorm state restored). */
export function modelFromCheckpoint(checkpoint: CafeCheckpoint, frozen?: SharedFrozenBranch): CafeModel {
  const model = buildModel(checkpoint.config, checkpoint.featureDim, new SeededRandom(checkpoint.seed), frozen);
  try {
    assignVariables(model.parameters, checkpoint.parameters);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Whether training this config runs conv gradients (image-space mask net): choose the backend accordingly. */
export function needsConvGradients(config: TrainingConfig): boolean {
  return trainsOnImages(config);
}
