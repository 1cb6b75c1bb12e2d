import { SeededRandom, type RandomDistribution } from '@fer/contracts';
import { sampleDistribution, type ParameterValue } from './sample-distribution';

/** A finished trial as TPE sees it: the point and its objective value. */
export interface TpeObservation {
  params: Record<string, ParameterValue>;
  value: number;
}

export interface TpeInput {
  parameters: Record<string, RandomDistribution>;
  /** Finished trials in the order they were proposed (trial index); the order matters only for ties. */
  history: readonly TpeObservation[];
  /** The index of the trial being proposed: with the seed, it fixes every random draw of this proposal. */
  trialIndex: number;
  seed: number;
  startupTrials: number;
  candidates: number;
  goal: 'maximize' | 'minimize';
}

/** How the proposal was made, for the sweep page and the run log. */
export interface TpeProposal {
  params: Record<string, ParameterValue>;
  /** `startup` (random, too few results yet) or `tpe` (argmax of l(x)/g(x) over the candidates). */
  source: 'startup' | 'tpe';
  /** Trials in the good group / in the history when `tpe`. */
  good?: number;
  observed?: number;
}

/**
 * The Tree-structured Parzen Estimator with Optuna's defaults (univariate, `gamma(n) = min(ceil(0.1 n), 25)`, prior
 * weight 1, Hyperopt's bandwidths with the magic clip, 24 candidates): the finished trials are split into the best
 * gamma(n) (good, density l) and the rest (g); each parameter's next value is the candidate drawn from l with the
 * largest l(x)/g(x). Deterministic: the same seed, trial index and history give the same point on any machine.
 */
export function proposeTpe(input: TpeInput): TpeProposal {
  const proposal = propose(input);
  return { ...proposal, params: Object.fromEntries(Object.entries(proposal.params).map(([name, value]) => [name, storable(value)])) };
}

/** Numbers to 12 significant digits: a proposal read back from PostgreSQL (JSONB) is then exactly the one made. */
function storable(value: ParameterValue): ParameterValue {
  return typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value;
}

function propose(input: TpeInput): TpeProposal {
  const random = SeededRandom.fromText(`tpe:${input.seed}:${input.trialIndex}`);
  const names = Object.keys(input.parameters).sort();
  if (input.history.length < input.startupTrials) {
    return { source: 'startup', params: Object.fromEntries(names.map((name) => [name, sampleDistribution(input.parameters[name], random)])) };
  }
  const sign = input.goal === 'maximize' ? -1 : 1;
  const ordered = input.history
    .map((observation, order) => ({ observation, order }))
    .sort((a, b) => sign * (a.observation.value - b.observation.value) || a.order - b.order);
  const nGood = Math.min(Math.ceil(0.1 * ordered.length), 25);
  const good = ordered.slice(0, nGood).sort((a, b) => a.order - b.order).map((o) => o.observation);
  const bad = ordered.slice(nGood).sort((a, b) => a.order - b.order).map((o) => o.observation);
  const params: Record<string, ParameterValue> = {};
  for (const name of names) {
    const distribution = input.parameters[name];
    const observed = (group: TpeObservation[]) => group.map((o) => o.params[name]).filter((v) => v !== undefined);
    params[name] = proposeOne(distribution, observed(good), observed(bad), input.candidates, random);
  }
  return { source: 'tpe', params, good: good.length, observed: ordered.length };
}

function proposeOne(
  distribution: RandomDistribution,
  good: ParameterValue[],
  bad: ParameterValue[],
  candidates: number,
  random: SeededRandom,
): ParameterValue {
  if (distribution.type === 'choice') {
    const l = categorical(distribution.values, good);
    const g = categorical(distribution.values, bad);
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates; i++) {
      const index = drawIndex(l, random);
      const score = Math.log(l[index]) - Math.log(g[index]);
      if (score > bestScore) [best, bestScore] = [index, score];
    }
    return distribution.values[best];
  }
  const space = numericSpace(distribution);
  const l = parzen(good.map((v) => space.toInternal(v as number)), space.low, space.high);
  const g = parzen(bad.map((v) => space.toInternal(v as number)), space.low, space.high);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < candidates; i++) {
    const x = space.snap(l.sample(random));
    const score = l.logPdf(x) - g.logPdf(x);
    if (score > bestScore) [best, bestScore] = [x, score];
  }
  return space.toValue(best);
}

/** The space a numeric parameter is modelled in: log for loguniform, a step of 1 (bounds widened by 1/2) for int. */
function numericSpace(distribution: Exclude<RandomDistribution, { type: 'choice' }>) {
  switch (distribution.type) {
    case 'uniform':
      return { low: distribution.min, high: distribution.max, toInternal: (v: number) => v, snap: (x: number) => x, toValue: (x: number) => x };
    case 'loguniform':
      return {
        low: Math.log(distribution.min),
        high: Math.log(distribution.max),
        toInternal: (v: number) => Math.log(v),
        snap: (x: number) => x,
        toValue: (x: number) => Math.exp(x),
      };
    case 'int': {
      const clamp = (x: number) => Math.min(distribution.max, Math.max(distribution.min, Math.round(x)));
      return { low: distribution.min - 0.5, high: distribution.max + 0.5, toInternal: (v: number) => v, snap: clamp, toValue: clamp };
    }
  }
}

/** Category probabilities: the prior (weight 1, spread evenly) plus one count per observation. */
function categorical(values: readonly ParameterValue[], observed: ParameterValue[]): number[] {
  const weights = values.map(() => 1 / values.length);
  for (const value of observed) {
    const index = values.indexOf(value);
    if (index >= 0) weights[index] += 1;
  }
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function drawIndex(probabilities: number[], random: SeededRandom): number {
  let u = random.next();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

/**
 * A mixture of Gaussians truncated to [low, high], one per observation plus the prior N((low+high)/2, high-low), all
 * weighted equally. Each bandwidth is the larger gap to its sorted neighbours (the bounds at the ends), clipped to
 * [(high-low) / min(100, 1 + n), high - low].
 */
export function parzen(observations: number[], low: number, high: number) {
  const range = high - low;
  const mus = [...observations, (low + high) / 2];
  const order = mus.map((mu, i) => ({ mu, i })).sort((a, b) => a.mu - b.mu || a.i - b.i);
  const sigmas = new Array<number>(mus.length);
  order.forEach(({ mu, i }, k) => {
    const left = k === 0 ? mu - low : mu - order[k - 1].mu;
    const right = k === order.length - 1 ? high - mu : order[k + 1].mu - mu;
    sigmas[i] = Math.max(left, right);
  });
  sigmas[mus.length - 1] = range;
  const minSigma = range / Math.min(100, 1 + mus.length);
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  const mass = mus.map((mu, i) => normalCdf((high - mu) / sigmas[i]) - normalCdf((low - mu) / sigmas[i]));
  const weight = 1 / mus.length;
  return {
    sample(random: SeededRandom): number {
      const i = Math.min(mus.length - 1, Math.floor(random.next() * mus.length));
      // Inverse-CDF draw inside the bounds: exact truncation, one uniform per draw.
      const a = normalCdf((low - mus[i]) / sigmas[i]);
      const u = a + random.next() * mass[i];
      return Math.min(high, Math.max(low, mus[i] + sigmas[i] * normalQuantile(u)));
    },
    logPdf(x: number): number {
      let density = 0;
      for (let i = 0; i < mus.length; i++) {
        const z = (x - mus[i]) / sigmas[i];
        density += (weight * Math.exp(-0.5 * z * z)) / (sigmas[i] * Math.sqrt(2 * Math.PI) * Math.max(mass[i], 1e-12));
      }
      return Math.log(Math.max(density, 1e-300));
    },
  };
}

/** Standard normal CDF via erf (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const q0 = Math.min(1 - 1e-12, Math.max(1e-12, p));
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (q0 < pLow) {
    const q = Math.sqrt(-2 * Math.log(q0));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (q0 > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - q0));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
