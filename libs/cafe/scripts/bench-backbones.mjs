#!/usr/bin/env node
// Measures backbone.embed images/s on TF.js backends. Usage (after `npx tsc -b libs/cafe`):
//   node libs/cafe/scripts/bench-backbones.mjs [--backend wasm --backend cpu] [--backbone NAME ...] [--batch 16] [--seconds 10]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { loadBackbone, benchmarkBackbone } = require('../dist/backbones/index.js');

const { values } = parseArgs({
  options: {
    backend: { type: 'string', multiple: true, default: ['wasm', 'cpu'] },
    backbone: { type: 'string', multiple: true, default: ['face-api-recognition', 'face-api-expression', 'face-api-age-gender'] },
    weights: { type: 'string' },
    batch: { type: 'string', default: '16' },
    batches: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '8' },
  },
});
for (const backend of values.backend) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  for (const name of values.backbone) {
    const backbone = await loadBackbone(name, values.weights ? { weightsPath: values.weights } : {});
    const result = await benchmarkBackbone(backbone, { batchSize: Number(values.batch), batches: Number(values.batches), minSeconds: Number(values.seconds) });
    backbone.dispose();
    console.log(JSON.stringify(result));
  }
}
