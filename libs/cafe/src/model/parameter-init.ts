import { SeededRandom } from '@fer/contracts';

/**
 * PyTorch's default nn.Linear init: kaiming_uniform(a=√5) on the weight, which reduces to U(±1/√fanIn),
 * and U(±1/√fanIn) on the bias. Drawn from our own seeded PRNG; the kernel is returned in TF layout [in, out].
 */
export function initLinear(rng: SeededRandom, fanIn: number, fanOut: number): { kernel: Float32Array; bias: Float32Array } {
  const bound = 1 / Math.sqrt(fanIn);
  const kernel = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-bound, bound);
  const bias = new Float32Array(fanOut);
  for (let i = 0; i < fanOut; i++) bias[i] = rng.uniform(-bound, bound);
  return { kernel, bias };
}

/** torchvision ResNet conv init: kaiming_normal(mode='fan_out', nonlinearity='relu'); kernel [kh, kw, in, out]. */
export function initConvKaimingNormal(rng: SeededRandom, kernelSize: number, inChannels: number, outChannels: number): Float32Array {
  const std = Math.sqrt(2 / (outChannels * kernelSize * kernelSize));
  const kernel = new Float32Array(kernelSize * kernelSize * inChannels * outChannels);
  for (let i = 0; i < kernel.length; i++) kernel[i] = std * rng.normal();
  return kernel;
}
