/** The five test domains of the paper's Table 1, in its column order. */
export const FER5_DOMAINS = ['rafdb', 'ferplus', 'affectnet', 'sfew', 'mma'] as const;
export type Fer5Domain = (typeof FER5_DOMAINS)[number];

export const DOMAIN_DISPLAY_NAMES: Record<string, string> = {
  rafdb: 'RAF-DB',
  ferplus: 'FERPlus',
  affectnet: 'AffectNet',
  sfew: 'SFEW 2.0',
  mma: 'MMA',
};

export function domainDisplayName(domain: string): string {
  return DOMAIN_DISPLAY_NAMES[domain] ?? domain;
}

/** A benchmark is an ordered set of domains; `fer5` is the paper's, `synth5` the offline synthetic twin. */
export interface BenchmarkDefinition {
  name: string;
  description: string;
  domains: readonly string[];
  numClasses: 7 | 8;
}

export const BUILTIN_BENCHMARKS: readonly BenchmarkDefinition[] = [
  {
    name: 'fer5',
    description: 'RAF-DB, FERPlus, AffectNet, SFEW 2.0, MMA (ECCV 2024 CAFE, Table 1)',
    domains: FER5_DOMAINS,
    numClasses: 7,
  },
  {
    name: 'synth5',
    description: 'Five synthetic face domains generated offline; same shape as fer5',
    domains: ['synth-studio', 'synth-lowres', 'synth-wild', 'synth-dark', 'synth-noisy'],
    numClasses: 7,
  },
];
