import { SeededRandom } from '@fer/contracts';
import type { FeatureSet } from './feature-set';

/**
 * A synthetic feature set: `numClasses` Gaussian clusters in `dim` dimensions (centres drawn from `centresSeed`,
 * unit spread 0.8), rows labelled in turn, and a flipped view that is a slightly perturbed copy. For tests, the
 * selftest and the bench: data a model can learn, identical on every machine for the same seeds.
 */
export function gaussianClusters(n: number, dim: number, options: { seed: number; numClasses?: number; centresSeed?: number }): FeatureSet {
  const numClasses = options.numClasses ?? 7;
  const centres = new SeededRandom(options.centresSeed ?? 1000);
  const means = Array.from({ length: numClasses }, () => Array.from({ length: dim }, () => centres.normal()));
  const rng = new SeededRandom(options.seed);
  const features = new Float32Array(n * dim);
  const flipped = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % numClasses;
    for (let d = 0; d < dim; d++) {
      features[i * dim + d] = means[labels[i]][d] + 0.8 * rng.normal();
      flipped[i * dim + d] = features[i * dim + d] + 0.1 * rng.normal();
    }
  }
  return { n, dim, features, flipped, labels };
}
