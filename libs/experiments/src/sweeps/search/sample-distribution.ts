import type { RandomDistribution, SeededRandom } from '@fer/contracts';

export type ParameterValue = string | number | boolean;

/** One draw from a search distribution (random search, and TPE's startup trials). */
export function sampleDistribution(distribution: RandomDistribution, random: SeededRandom): ParameterValue {
  switch (distribution.type) {
    case 'uniform':
      return distribution.min + (distribution.max - distribution.min) * random.next();
    case 'loguniform':
      return Math.exp(Math.log(distribution.min) + (Math.log(distribution.max) - Math.log(distribution.min)) * random.next());
    case 'int':
      return distribution.min + Math.floor(random.next() * (distribution.max - distribution.min + 1));
    case 'choice':
      return distribution.values[Math.floor(random.next() * distribution.values.length)];
  }
}
