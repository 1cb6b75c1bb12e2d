import type { Method } from '@fer/contracts';
import { cafeMethod } from './cafe.method';
import { finetuneMethod } from './finetune.method';
import { linearProbeMethod } from './linear-probe.method';
import type { MethodDefinition } from './method';

const METHODS: Record<Method, MethodDefinition> = {
  cafe: cafeMethod,
  'linear-probe': linearProbeMethod,
  finetune: finetuneMethod,
};

export function getMethod(name: string): MethodDefinition {
  const definition = (METHODS as Record<string, MethodDefinition | undefined>)[name];
  if (!definition) throw new Error(`unknown method "${name}": use one of ${Object.keys(METHODS).join(', ')}`);
  return definition;
}
