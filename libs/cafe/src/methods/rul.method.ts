import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '@fer/contracts';
import { rulLoss, rulMix } from './losses/rul.loss';
import { softmaxCrossEntropy } from './losses/softmax-cross-entropy';
import type { ForwardMode } from '../mask-nets/mask-net';
import { RESNET18_WIDTH, batchNorm, createResnet18Trunk, resnet18FeatureMapSize } from '../mask-nets/resnet18.mask-net';
import { dense } from '../ops/dense.op';
import { NamedVariable, createVariable } from '../model/model-parameters';
import { initLinear } from '../model/parameter-init';
import { createFcHead } from './fc-head';
import { imagesOf, plainLossTerms } from './image-trunk';
import type { MethodDefinition, ModelBatch } from './method';

/** The official heads' BatchNorm epsilon. */
const HEAD_BN_EPSILON = 2e-5;

/**
 * Relative Uncertainty Learning (Zhang et al., NeurIPS 2021; official code zyh-uaiaaaa/Relative-Uncertainty-Learning
 * src/rul.py, main.py) on a ResNet-18 trunk. The mu and log-variance heads are built as the official `res18feature`
 * builds them, on layer4's map (no pooling): BatchNorm2d(512, affine=False) → Dropout(p) → Flatten (channel-major, as
 * PyTorch's NCHW view) → Linear(512·h·w → D) → BatchNorm1d(D). Training mixes mu with a seeded permutation of the batch
 * weighted by the relative uncertainties and classifies the mix as both labels (`losses/rul.loss.ts`, parity-tested);
 * prediction is fc(mu). The FC trains at `fcLrMultiplier` (default 10) times the learning rate, as the official
 * Adam param group (2e-3 vs 2e-4). Dropout masks and the permutation come from the run's generator.
 */
export const rulMethod: MethodDefinition = {
  name: 'rul',
  build({ config, rng }) {
    const { featureDim, dropout } = { featureDim: 64, dropout: 0.4, ...config.rul };
    const trunk = createResnet18Trunk(rng);
    const size = resnet18FeatureMapSize(config.imageSize);
    const mu = createUncertaintyHead('mu', rng, RESNET18_WIDTH * size * size, featureDim);
    const logvar = createUncertaintyHead('logvar', rng, RESNET18_WIDTH * size * size, featureDim);
    const fc = createFcHead(rng, featureDim, config.numClasses, config.fcLrMultiplier ?? 10);
    const logits = (batch: ModelBatch, mode: ForwardMode) => fc.apply(mu.apply(trunk.featureMap(imagesOf(batch, 'rul'), mode), mode, dropout, null));
    return {
      parameters: [...trunk.parameters, ...mu.parameters, ...logvar.parameters, ...fc.parameters],
      needsImages: true,
      needsDropMask: false,
      loss(batch, _oneHotTargets, _dropMask, mode, context) {
        const map = trunk.featureMap(imagesOf(batch, 'rul'), mode);
        const m = mu.apply(map, mode, dropout, context.rng);
        const v = logvar.apply(map, mode, dropout, context.rng);
        const permutation = tf.tensor1d(context.rng.permutation(context.rows.length), 'int32');
        const labels = tf.tensor1d(context.labels, 'int32');
        const total = rulLoss(m, v, tf.transpose(fc.kernel) as tf.Tensor2D, fc.bias as tf.Tensor1D, labels, permutation);
        // The official train accuracy compares fc(mixed) with the labels.
        const mixedLogits = fc.apply(rulMix(m, v, permutation));
        return { terms: plainLossTerms(total, softmaxCrossEntropy(mixedLogits, labels)), logits: mixedLogits };
      },
      logits,
    };
  },
};

interface UncertaintyHead {
  parameters: NamedVariable[];
  /** layer4's map [B, h, w, 512] → [B, D]; dropout only in training, its mask drawn from `rng`. */
  apply(map: tf.Tensor4D, mode: ForwardMode, dropout: number, rng: SeededRandom | null): tf.Tensor2D;
}

function createUncertaintyHead(name: string, rng: SeededRandom, flatDim: number, outDim: number): UncertaintyHead {
  const init = initLinear(rng, flatDim, outDim);
  const parameters = [
    createVariable(`${name}.bn2d.runningMean`, [RESNET18_WIDTH], new Float32Array(RESNET18_WIDTH), false),
    createVariable(`${name}.bn2d.runningVar`, [RESNET18_WIDTH], new Float32Array(RESNET18_WIDTH).fill(1), false),
    createVariable(`${name}.linear.kernel`, [flatDim, outDim], init.kernel),
    createVariable(`${name}.linear.bias`, [outDim], init.bias),
    createVariable(`${name}.bn1d.gamma`, [outDim], new Float32Array(outDim).fill(1)),
    createVariable(`${name}.bn1d.beta`, [outDim], new Float32Array(outDim)),
    createVariable(`${name}.bn1d.runningMean`, [outDim], new Float32Array(outDim), false),
    createVariable(`${name}.bn1d.runningVar`, [outDim], new Float32Array(outDim).fill(1), false),
  ];
  const [mean2d, var2d, kernel, bias, gamma, beta, mean1d, var1d] = parameters.map((p) => p.variable);
  return {
    parameters,
    apply(map, mode, dropout, random) {
      const [batch, h, w, channels] = map.shape;
      let x = batchNorm(map, { gamma: tf.ones([channels]), beta: tf.zeros([channels]), runningMean: mean2d, runningVar: var2d }, mode, HEAD_BN_EPSILON);
      if (mode.training && dropout > 0) {
        if (!random) throw new Error('rul: training-mode dropout needs the run generator');
        const keep = 1 / (1 - dropout);
        const mask = Float32Array.from({ length: x.size }, () => (random.next() < dropout ? 0 : keep));
        x = tf.mul(x, tf.tensor4d(mask, x.shape)) as tf.Tensor4D;
      }
      const flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [batch, channels * h * w]) as tf.Tensor2D;
      const y = dense(flat, kernel as tf.Tensor2D, bias as tf.Tensor1D);
      const normalised = batchNorm(tf.reshape(y, [batch, 1, 1, y.shape[1]]) as tf.Tensor4D, { gamma, beta, runningMean: mean1d, runningVar: var1d }, mode, HEAD_BN_EPSILON);
      return tf.reshape(normalised, [batch, y.shape[1]]) as tf.Tensor2D;
    },
  };
}
