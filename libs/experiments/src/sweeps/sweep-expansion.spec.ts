import { MAX_RUNS_PER_SWEEP, sweepSpecSchema } from '@fer/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExperimentError } from '../experiment.errors';
import { expandSearchSpace } from './sweep-expansion';

const base = { name: 's', sources: ['rafdb'] };

describe('expandSearchSpace', () => {
  it('should produce the cartesian product with distinct config ids when the search is a grid', () => {
    const spec = sweepSpecSchema.parse({
      ...base,
      search: { kind: 'grid', parameters: { lambdaDiverse: [0, 5], 'optimizer.lr': [1e-4, 2e-4, 3e-4] } },
    });
    const points = expandSearchSpace(spec);
    assert.equal(points.length, 6);
    assert.equal(new Set(points.map((p) => p.configId)).size, 6);
    assert.deepEqual(points[0].params, { lambdaDiverse: 0, 'optimizer.lr': 1e-4 });
    assert.equal(points[5].config.optimizer.lr, 3e-4);
  });

  it('should resolve each point as a whole, so fields derived from others follow the point and not the base', () => {
    const spec = sweepSpecSchema.parse({
      ...base,
      base: { epochs: 4 },
      search: { kind: 'grid', parameters: { selection: ['last', 'source-val'], method: ['cafe', 'linear-probe'] } },
    });
    const points = expandSearchSpace(spec);
    assert.equal(points.length, 4);
    for (const { config } of points) {
      assert.equal(config.sourceValFraction, config.selection === 'last' ? 0 : 0.1, 'the hold-out follows the selection');
      assert.equal(config.epochs, 4);
    }
    const resnet = expandSearchSpace(sweepSpecSchema.parse({ ...base, search: { kind: 'grid', parameters: { maskNet: ['mlp', 'resnet18'] } } }));
    assert.deepEqual(resnet.map((p) => p.config.evalEvery), [1, 5], 'image-space points score every 5 epochs by default');
  });

  it('should expand identically when the same spec is expanded twice', () => {
    const spec = sweepSpecSchema.parse({
      ...base,
      search: {
        kind: 'random',
        budget: 5,
        samplerSeed: 7,
        parameters: { 'optimizer.lr': { type: 'loguniform', min: 1e-5, max: 1e-3 } },
      },
    });
    assert.deepEqual(expandSearchSpace(spec), expandSearchSpace(spec));
    const other = sweepSpecSchema.parse({ ...spec, search: { ...spec.search, samplerSeed: 8 } });
    assert.notDeepEqual(expandSearchSpace(other), expandSearchSpace(spec));
  });

  it('should reject the sweep naming the field when a grid value is invalid', () => {
    const spec = sweepSpecSchema.parse({
      ...base,
      search: { kind: 'grid', parameters: { 'optimizer.lr': [1e-4, -1] } },
    });
    assert.throws(
      () => expandSearchSpace(spec),
      (error: ExperimentError) => {
        assert.match(error.message, /search\.parameters\.optimizer\.lr/);
        return true;
      },
    );
  });

  it('should refuse a search space that expands past the run limit without materialising it', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const spec = sweepSpecSchema.parse({
      ...base,
      search: { kind: 'grid', parameters: { epochs: values, batchSize: values, maskNetHidden: values } },
    });
    assert.throws(() => expandSearchSpace(spec), new RegExp(`limit is ${MAX_RUNS_PER_SWEEP}`));
  });

  it('should reject an unknown nested parameter path', () => {
    const spec = sweepSpecSchema.parse({ ...base, search: { kind: 'grid', parameters: { 'epochs.inner': [1] } } });
    assert.throws(() => expandSearchSpace(spec), /unknown config parameter "epochs.inner"/);
  });

  it('should refuse an unknown backbone, a CLIP without weights, and weights outside the data roots', () => {
    const field = (input: object, roots?: string[]) => {
      try {
        expandSearchSpace(sweepSpecSchema.parse({ ...base, base: input }), roots);
      } catch (error) {
        return (error as ExperimentError).problems[0].field;
      }
      return null;
    };
    assert.equal(field({ backbone: 'resnet-imagenet' }), 'base.backbone');
    assert.equal(field({ backbone: 'clip-vit-b32' }), 'base.backboneWeights');
    assert.equal(
      field({ backbone: 'clip-vit-b32', backboneWeights: '/etc/clip.safetensors' }, ['/data']),
      'base.backboneWeights',
    );
    assert.equal(
      field({ backbone: 'clip-vit-b32', backboneWeights: '/data/models/clip.safetensors' }, ['/data']),
      null,
    );
  });
});
