import type { MaskNetName } from '@fer/contracts';
import type { MaskNet, MaskNetOptions } from './mask-net';
import { createMlpMaskNet } from './mlp.mask-net';
import { createResnet18MaskNet } from './resnet18.mask-net';

export interface MaskNetDefinition {
  name: MaskNetName;
  input: 'features' | 'image';
  /** Conv training: the backend must support it (see selectBackend). */
  needsConvGradients: boolean;
  create(options: MaskNetOptions): MaskNet;
}

const MASK_NETS: Record<MaskNetName, MaskNetDefinition> = {
  mlp: { name: 'mlp', input: 'features', needsConvGradients: false, create: createMlpMaskNet },
  resnet18: { name: 'resnet18', input: 'image', needsConvGradients: true, create: createResnet18MaskNet },
};

export function getMaskNet(name: string): MaskNetDefinition {
  const definition = (MASK_NETS as Record<string, MaskNetDefinition | undefined>)[name];
  if (!definition) throw new Error(`unknown mask net "${name}": use one of ${Object.keys(MASK_NETS).join(', ')}`);
  return definition;
}
