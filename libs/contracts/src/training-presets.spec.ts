import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentId } from './content-hash';
import { trainingConfigSchema } from './training-config.schema';
import { PRESET_NAMES, TRAINING_PRESETS } from './training-presets';

const issuesOf = (input: unknown) => {
  const result = trainingConfigSchema.safeParse(input);
  assert.equal(result.success, false, 'refused');
  return result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('paper presets', () => {
  it('should expand every preset into a valid stored config that keeps its name, and parse its own output unchanged', () => {
    for (const name of PRESET_NAMES) {
      const config = trainingConfigSchema.parse({ preset: name, trunkWeights: '/data/resnet18_msceleb.pth' });
      assert.equal(config.preset, name);
      assert.equal(config.method, TRAINING_PRESETS[name].values.method);
      assert.equal(config.imageSize, 224);
      assert.equal(config.selection, 'last');
      assert.equal(config.sourceValFraction, 0);
      assert.deepEqual(trainingConfigSchema.parse(config), config, `${name} is stable when stored and read again`);
    }
  });

  it("should carry each official code's hyperparameters when expanded", () => {
    const parse = (preset: string) => trainingConfigSchema.parse({ preset, trunkWeights: '/w.pth' });
    const scn = parse('scn-paper');
    assert.deepEqual([scn.batchSize, scn.epochs, scn.optimizer.lr, scn.scn], [64, 70, 1e-3, { beta: 0.7, margin1: 0.15, margin2: 0.2, relabelEpoch: 10 }]);
    const rul = parse('rul-paper');
    assert.deepEqual([rul.batchSize, rul.epochs, rul.optimizer.lr, rul.fcLrMultiplier, rul.rul], [64, 60, 2e-4, 10, { featureDim: 64, dropout: 0.4 }]);
    const eac = parse('eac-paper');
    assert.deepEqual([eac.batchSize, eac.optimizer.lr, eac.eac], [32, 1e-4, { lambda: 5 }]);
    const cafe = parse('cafe-paper');
    assert.deepEqual([cafe.backbone, cafe.maskNet, cafe.head, cafe.lambdaDiverse, cafe.lambdaSeparation], ['clip-vit-b32', 'resnet18', 'fc', 5, 1.5]);
  });

  it('should give a preset config another id than the same method without the preset, and the same id when a field repeats the preset value', () => {
    const withPreset = trainingConfigSchema.parse({ preset: 'erm-paper', trunkWeights: '/w.pth' });
    const repeated = trainingConfigSchema.parse({ preset: 'erm-paper', trunkWeights: '/w.pth', batchSize: 32, optimizer: { lr: 2e-4 } });
    assert.equal(contentId('cfg', repeated), contentId('cfg', withPreset));
    const { preset: _p, ...rest } = withPreset;
    assert.notEqual(contentId('cfg', trainingConfigSchema.parse(rest)), contentId('cfg', withPreset));
  });

  it('should refuse a field that conflicts with the preset, naming the field', () => {
    assert.deepEqual(issuesOf({ preset: 'scn-paper', trunkWeights: '/w.pth', batchSize: 32 }).map((i) => i.path), ['batchSize']);
    const nested = issuesOf({ preset: 'rul-paper', trunkWeights: '/w.pth', optimizer: { lr: 1e-3 } });
    assert.equal(nested[0].path, 'optimizer.lr');
    assert.match(nested[0].message, /conflicts with preset "rul-paper", which sets optimizer.lr to 0.0002/);
    assert.deepEqual(issuesOf({ preset: 'eac-paper', trunkWeights: '/w.pth', method: 'erm' }).map((i) => i.path), ['method']);
  });

  it('should refuse an unknown preset or method and a preset without trunk weights, naming the field', () => {
    assert.deepEqual(issuesOf({ preset: 'sota-paper' }).map((i) => i.path), ['preset']);
    assert.deepEqual(issuesOf({ method: 'finetune' }).map((i) => i.path), ['method']);
    const missing = issuesOf({ preset: 'erm-paper' });
    assert.deepEqual(missing.map((i) => i.path), ['trunkWeights']);
    assert.match(missing[0].message, /pretrained weights/);
  });
});

describe('method fields of the training config', () => {
  it('should resolve the method defaults only for the method that uses them', () => {
    assert.deepEqual(trainingConfigSchema.parse({ method: 'scn' }).scn, { beta: 0.7, margin1: 0.15, margin2: 0.2, relabelEpoch: 10 });
    assert.equal(trainingConfigSchema.parse({ method: 'rul' }).fcLrMultiplier, 10);
    const probe = trainingConfigSchema.parse({ method: 'linear-probe' });
    assert.equal('scn' in probe || 'rul' in probe || 'maskNetFinalRelu' in probe || 'fcLrMultiplier' in probe, false);
    assert.equal(trainingConfigSchema.parse({}).maskNetFinalRelu, true, 'cafe + mlp ends in ReLU by default');
    assert.equal(trainingConfigSchema.parse({ maskNetFinalRelu: false }).maskNetFinalRelu, false);
    assert.equal(trainingConfigSchema.parse({ method: 'erm' }).evalEvery, 5, 'erm trains on images');
  });

  it('should refuse settings of another method, trunk weights without a trunk and mlp-probe on images, naming the field', () => {
    assert.deepEqual(issuesOf({ method: 'erm', scn: { beta: 0.5 } }).map((i) => i.path), ['scn']);
    assert.deepEqual(issuesOf({ method: 'linear-probe', trunkWeights: '/w.pth' }).map((i) => i.path), ['trunkWeights']);
    assert.deepEqual(issuesOf({ method: 'mlp-probe', maskNet: 'resnet18' }).map((i) => i.path), ['maskNet']);
    assert.deepEqual(issuesOf({ method: 'erm', maskNetFinalRelu: true }).map((i) => i.path), ['maskNetFinalRelu']);
  });
});
