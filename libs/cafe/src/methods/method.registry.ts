import type { Method } from '@fer/contracts';
import { cafeMethod } from './cafe.method';
import { eacMethod } from './eac.method';
import { ermMethod } from './erm.method';
import { linearProbeMethod } from './linear-probe.method';
import { mlpProbeMethod } from './mlp-probe.method';
import type { MethodDefinition } from './method';
import { rulMethod } from './rul.method';
import { scnMethod } from './scn.method';

/** Every method, by name: a method missing here does not compile (Method comes from the config schema). */
const METHODS: Record<Method, MethodDefinition> = {
  cafe: cafeMethod,
  'linear-probe': linearProbeMethod,
  'mlp-probe': mlpProbeMethod,
  erm: ermMethod,
  scn: scnMethod,
  rul: rulMethod,
  eac: eacMethod,
};

export function getMethod(name: string): MethodDefinition {
  const definition = (METHODS as Record<string, MethodDefinition | undefined>)[name];
  if (!definition) throw new Error(`unknown method "${name}": use one of ${Object.keys(METHODS).join(', ')}`);
  return definition;
}
