import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, contentId } from './content-hash';
import { emotionIndex, CANONICAL_EMOTIONS } from './label-space';
import { sweepSpecSchema } from './sweep-spec.schema';
import { trainingConfigSchema } from './training-config.schema';

describe('training config schema', () => {
  it('should apply the paper\'s hyperparameters as defaults when the config is empty', () => {
    const config = trainingConfigSchema.parse({});
    assert.equal(config.lambdaDiverse, 5);
    assert.equal(config.lambdaSeparation, 1.5);
    assert.deepEqual(config.optimizer, { lr: 2e-4, weightDecay: 1e-4, gamma: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    assert.equal(config.epochs, 60);
    assert.equal(config.batchSize, 32);
    assert.deepEqual(config.augment.erasingScale, [0.02, 0.25]);
    assert.equal(config.augment.noiseVariance, 30);
  });

  it('should name the field when a value is out of range or unknown', () => {
    const result = trainingConfigSchema.safeParse({ optimizer: { lr: -1 }, lamdaDiverse: 5 });
    assert.equal(result.success, false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    assert.ok(paths.includes('optimizer.lr'));
    assert.ok(result.error!.issues.some((i) => i.code === 'unrecognized_keys'));
  });

  it('should give equal configs one id whatever their key order', () => {
    const a = trainingConfigSchema.parse({ epochs: 3, optimizer: { lr: 1e-3 } });
    const b = trainingConfigSchema.parse({ optimizer: { lr: 1e-3 }, epochs: 3 });
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(contentId('cfg', a), contentId('cfg', b));
    assert.notEqual(contentId('cfg', a), contentId('cfg', trainingConfigSchema.parse({ epochs: 4 })));
  });

  it('should never throw anything but a validation error, and accept only finite in-range numbers (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = trainingConfigSchema.safeParse(input);
        if (result.success) {
          const c = result.data;
          assert.ok(Number.isFinite(c.optimizer.lr) && c.optimizer.lr > 0);
          assert.ok(Number.isInteger(c.epochs) && c.epochs >= 1);
          assert.ok(c.lambdaDiverse >= 0 && Number.isFinite(c.lambdaDiverse));
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.record({ lr: fc.double(), epochs: fc.double(), lambdaDiverse: fc.double() }), ({ lr, epochs, lambdaDiverse }) => {
        const result = trainingConfigSchema.safeParse({ optimizer: { lr }, epochs, lambdaDiverse });
        const valid = Number.isFinite(lr) && lr > 0 && lr <= 1 && Number.isInteger(epochs) && epochs >= 1 && epochs <= 1000 && lambdaDiverse >= 0 && lambdaDiverse <= 1000;
        assert.equal(result.success, valid, JSON.stringify({ lr, epochs, lambdaDiverse }));
      }),
      { numRuns: 500 },
    );
  });

  it('should reject sweep specs with bad seeds, empty sources or unknown fields (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = sweepSpecSchema.safeParse(input);
        if (result.success) assert.ok(result.data.sources.length >= 1 && result.data.seeds.every((s) => Number.isInteger(s) && s >= 0));
      }),
      { numRuns: 500 },
    );
    assert.equal(sweepSpecSchema.safeParse({ name: 'x', sources: [] }).success, false);
    assert.equal(sweepSpecSchema.safeParse({ name: 'x', sources: ['rafdb'], seeds: [-1] }).success, false);
    assert.equal(sweepSpecSchema.safeParse({ name: 'x', sources: ['rafdb'], extra: 1 }).success, false);
  });
});

describe('label space', () => {
  it('should follow the RAF-DB basic order, 0-based', () => {
    assert.deepEqual([...CANONICAL_EMOTIONS], ['surprise', 'fear', 'disgust', 'happiness', 'sadness', 'anger', 'neutral']);
    assert.equal(emotionIndex('neutral'), 6);
    assert.equal(emotionIndex('contempt', 8), 7);
    assert.throws(() => emotionIndex('contempt', 7), /not in the 7-class/);
  });
});
