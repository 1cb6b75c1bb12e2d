// Section 1, frozen features: images/s of the frozen backbones (`loadBackbone(name).embed()`, what the feature cache
// runs) on the TF.js backends beside the same architectures in PyTorch, and the machine's dense float32 peak.
// Measures with bench/measure/frozen-tfjs.mjs (TF.js, one backend per process) and bench/reference/torch_frozen.py
// (PyTorch on CPU); the CLIP tower is a random ViT-B/32-shaped file written by make-clip-tiny-fixture.py of libs/cafe.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fr, fx, log, measure, PYTHON, ratio, reference, ROOT, table } from '../lib.mjs';

export const title = '1. Frozen features';

/** The face-api models measured on ONNX Runtime beside TF.js wasm (the expression net is also in the main table). */
const FACE_API_MODELS = ['face-api-expression', 'face-api-age-gender', 'face-api-recognition'];

/** What this section measures; --quick shrinks it. */
export function plan(quick) {
  return {
    seconds: quick ? 1 : 3,
    faceBatches: [1, 8, 32],
    clipBatches: quick ? [1] : [1, 8, 32],
    faceRounds: quick ? 1 : 2,
    matmul: 1024,
    // the TF.js cpu backend (25-100x slower): seconds per row
    cpuSeconds: quick ? 0.5 : 2,
  };
}

export async function run(p) {
  const tmp = mkdtempSync(join(os.tmpdir(), 'fer-bench-clip-'));
  const clipWeights = join(tmp, 'model.safetensors');
  try {
    log('frozen: writing a random ViT-B/32-shaped CLIP tower (~350 MB, temporary)');
    execFileSync(PYTHON, [join(ROOT, 'libs/cafe/scripts/make-clip-tiny-fixture.py'), '--random-b32', clipWeights], {
      stdio: 'ignore',
    });
    const models = { 'face-api-expression': p.faceBatches, 'clip-vit-b32': p.clipBatches };
    log('frozen: PyTorch');
    const torch = await reference('torch_frozen.py', {
      models,
      seconds: p.seconds,
      matmul: p.matmul,
      noShapeWarmup: ['clip-vit-b32'],
    });
    log('frozen: TF.js wasm');
    const wasm = await measure(
      'frozen-tfjs.mjs',
      { models, seconds: p.seconds, matmul: p.matmul, clipWeights, noShapeWarmup: ['clip-vit-b32'] },
      ['--backend', 'wasm'],
    );
    // A second, alternating round of the cheap model; per row the faster round is kept (others' load only slows).
    const extra = { torch: [], wasm: [] };
    for (let round = 2; round <= p.faceRounds; round++) {
      const face = { 'face-api-expression': p.faceBatches };
      log(`frozen: face-api-expression round ${round}/${p.faceRounds}`);
      extra.torch.push(await reference('torch_frozen.py', { models: face, seconds: p.seconds }));
      extra.wasm.push(await measure('frozen-tfjs.mjs', { models: face, seconds: p.seconds }, ['--backend', 'wasm']));
    }
    const keepBest = (base, rounds) => {
      for (const round of rounds) {
        for (const m of round.models) {
          const target = base.models.find((x) => x.backbone === m.backbone);
          for (const row of m.rows) {
            const i = target.rows.findIndex((x) => x.batchSize === row.batchSize);
            if (row.imagesPerSecond > target.rows[i].imagesPerSecond) target.rows[i] = { ...row, gflops: row.gflops };
          }
        }
      }
      return base;
    };
    keepBest(torch, extra.torch);
    keepBest(wasm, extra.wasm);
    // The pure-JS cpu backend is 25-100x slower: one batch size, and a single timed batch of 1 for CLIP (~15 s).
    log('frozen: TF.js cpu');
    const cpu = await measure(
      'frozen-tfjs.mjs',
      {
        models: { 'face-api-expression': [8], 'clip-vit-b32': [1] },
        seconds: p.cpuSeconds,
        matmul: 512,
        clipWeights,
        noShapeWarmup: ['clip-vit-b32', 'face-api-expression'],
      },
      ['--backend', 'cpu'],
    );
    const tensorflow = await measure('frozen-tfjs.mjs', { models }, ['--backend', 'tensorflow']);
    // The other face-api models on TF.js wasm, for their ONNX Runtime ratios only (PyTorch has no age-gender twin).
    log('frozen: face-api-age-gender and face-api-recognition on TF.js wasm');
    const faceWasm = await measure(
      'frozen-tfjs.mjs',
      { models: Object.fromEntries(FACE_API_MODELS.slice(1).map((m) => [m, p.faceBatches])), seconds: p.seconds },
      ['--backend', 'wasm'],
    );
    log('frozen: clip-vit-b32 and the face-api models on ONNX Runtime');
    const cores = os.availableParallelism();
    const onnx = await measure('frozen-onnx.mjs', {
      clipWeights,
      batches: p.clipBatches,
      models: Object.fromEntries(FACE_API_MODELS.map((m) => [m, p.faceBatches])),
      threads: [...new Set([1, cores])],
      seconds: p.seconds,
    });
    return { torch, backends: [wasm, cpu, tensorflow], faceWasm, onnx, rounds: { faceRounds: p.faceRounds, extra } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function render(r, summary) {
  const out = [];
  const torchModels = new Map(r.torch.models.map((m) => [m.backbone, m]));
  const peaks = [
    ['PyTorch torch.mm (generic BLAS)', r.torch.matmul?.mmGflops, `${r.torch.matmul?.n}^3`],
    ['PyTorch matmul through oneDNN (mkldnn Linear)', r.torch.matmul?.onednnGflops, `${r.torch.matmul?.n}^3`],
    ...r.backends
      .filter((b) => b.matmul)
      .map((b) => [`TF.js ${b.backend} tf.matMul`, b.matmul.gflops, `${b.matmul.n}^3`]),
  ];
  const peak = Math.max(...peaks.map((x) => x[1] ?? 0));
  out.push('### Dense float32 peak of this machine (measured now)');
  out.push(
    table(
      ['kernel', 'size', 'GFLOP/s'],
      peaks.map(([k, v, s]) => [k, s, fx(v)]),
    ),
  );
  out.push(
    `\nMachine peak used below = the fastest of these: **${fx(peak)} GFLOP/s**. Debian builds PyTorch with reference BLAS (\`BLAS_INFO=generic\`), so \`torch.mm\`, \`nn.Linear\` and 1x1 convolutions on ordinary tensors are slow; its oneDNN kernels (most convolutions; the mkldnn matmul above) reach the CPU's AVX-512 rate. All on one core: PyTorch uses 1 thread here and TF.js wasm is single-threaded.`,
  );
  out.push(
    '\n### Images/s, TF.js beside PyTorch (same architecture, same input size, random weights, random 0..255 images)',
  );
  const rows = [];
  for (const backend of r.backends) {
    if (backend.unavailable) continue;
    for (const m of backend.models) {
      const ref = torchModels.get(m.backbone);
      for (const row of m.rows) {
        const t = ref?.rows.find((x) => x.batchSize === row.batchSize);
        const flops = ref?.flopsPerImage;
        const gf = flops ? (row.imagesPerSecond * flops) / 1e9 : null;
        const engineMatmul = backend.matmul?.gflops;
        rows.push([
          m.backbone,
          `tfjs-${backend.backend}`,
          row.batchSize,
          fx(row.imagesPerSecond),
          t ? fx(t.imagesPerSecond) : 'n/a',
          fr(ratio(row.imagesPerSecond, t?.imagesPerSecond)),
          `${fx(gf)} / ${fx(t?.gflops)}`,
          `${fx(100 * ratio(gf, peak))}% / ${fx(100 * ratio(t?.gflops, peak))}%`,
          `${fx(100 * ratio(gf, engineMatmul))}%`,
          `${row.images} img, ${fx(row.seconds)} s`,
        ]);
        if (backend.backend === 'wasm')
          summary.push([
            `frozen ${m.backbone} b${row.batchSize}: tfjs-wasm / pytorch images/s`,
            ratio(row.imagesPerSecond, t?.imagesPerSecond),
          ]);
      }
    }
  }
  out.push(
    table(
      [
        'backbone',
        'engine',
        'batch',
        'TF.js img/s',
        'PyTorch img/s',
        'TF.js / PyTorch',
        'GFLOP/s TF.js / PyTorch',
        '% of machine peak TF.js / PyTorch',
        'TF.js % of own matmul',
        'TF.js sample',
      ],
      rows,
    ),
  );
  out.push(
    `\nFLOPs per image (2 per multiply-add of convs, linears and attention matmuls, counted on the PyTorch model): ` +
      r.torch.models.map((m) => `${m.backbone} ${(m.flopsPerImage / 1e9).toFixed(3)} GFLOP`).join(', ') +
      `. Batch-1 warm-up per model; a warm-up batch per size except for CLIP (one CLIP batch of 32 takes 15-100 s). face-api-expression ran in ${r.rounds?.faceRounds ?? 1} alternating round(s) per engine, the faster kept per row (all rounds in the raw JSON); CLIP once. ` +
      'The TF.js cpu backend is measured at one batch size (CLIP: a warm-up image, then one timed batch of 1).',
  );
  out.push(...renderOnnx(r, peak, summary));
  out.push(...renderOnnxFaceApi(r, summary));
  const unavailable = r.backends.filter((b) => b.unavailable);
  for (const b of unavailable) out.push(`\n\`${b.backend}\` backend: not measured — ${b.unavailable}.`);
  out.push(
    `\nPyTorch: ${r.torch.torch}, ${r.torch.threads} thread(s), BLAS ${r.torch.blas}. TF.js ${r.backends[0].tfjs}; wasm runs single-threaded in Node.`,
  );
  return out.join('\n');
}

/**
 * clip-vit-b32 on the worker's default engine (`FER_FROZEN_ENGINE=auto`: ONNX Runtime), beside TF.js wasm (the
 * engine before it) and PyTorch, at 1 thread and at every core; GFLOP/s against the machine peak measured above.
 */
function renderOnnx(r, peak, summary) {
  if (!r.onnx) return [];
  if (r.onnx.unavailable) return [`\n\`onnx\` engine: not measured — ${r.onnx.unavailable}.`];
  const wasm = r.backends.find((b) => b.backend === 'wasm')?.models.find((m) => m.backbone === 'clip-vit-b32');
  const torch = r.torch.models.find((m) => m.backbone === 'clip-vit-b32');
  const flops = torch?.flopsPerImage;
  const rows = [];
  for (const run of r.onnx.runs.filter((x) => (x.backbone ?? 'clip-vit-b32') === 'clip-vit-b32')) {
    for (const row of run.rows) {
      const w = wasm?.rows.find((x) => x.batchSize === row.batchSize);
      const t = torch?.rows.find((x) => x.batchSize === row.batchSize);
      const gf = flops ? (row.imagesPerSecond * flops) / 1e9 : null;
      rows.push([
        row.batchSize,
        run.threads,
        fx(row.imagesPerSecond),
        w ? fx(w.imagesPerSecond) : 'n/a',
        fr(ratio(row.imagesPerSecond, w?.imagesPerSecond)),
        fr(ratio(row.imagesPerSecond, t?.imagesPerSecond)),
        fx(gf),
        `${fx(100 * ratio(gf, peak))}%`,
        `${row.images} img, ${fx(row.seconds)} s`,
      ]);
      if (run.threads === r.onnx.cores)
        summary.push([`frozen clip-vit-b32 b${row.batchSize}: onnx / tfjs-wasm images/s`, ratio(row.imagesPerSecond, w?.imagesPerSecond)]);
      if (run.threads === 1) summary.push([`frozen clip-vit-b32 b${row.batchSize}: onnx 1 thread GFLOP/s / machine peak`, ratio(gf, peak)]);
    }
  }
  return [
    `\n### clip-vit-b32 on ONNX Runtime (\`FER_FROZEN_ENGINE=auto\`), beside TF.js wasm and PyTorch`,
    table(['batch', 'threads', 'ONNX img/s', 'TF.js wasm img/s', 'ONNX / TF.js wasm', 'ONNX / PyTorch (1 thread)', 'ONNX GFLOP/s', '% of machine peak'], rows),
    `\nThe graph is the one a worker writes in memory from the same safetensors file (\`clipVitOnnxModel\` of libs/cafe), run by ${r.onnx.runs[0]?.describe ?? 'onnxruntime-node'}; the machine peak above is one core's, so the all-core rows can pass 100 %. This machine has ${r.onnx.cores} cores.`,
  ];
}

/**
 * The face-api models on ONNX Runtime (the graphs libs/cafe writes from their TF.js weights) beside TF.js wasm, at
 * 1 thread and at every core: what `FER_FROZEN_ENGINE=auto` decides on for each (libs/cafe/src/backbones/README.md).
 */
function renderOnnxFaceApi(r, summary) {
  const runs = r.onnx?.runs?.filter((x) => FACE_API_MODELS.includes(x.backbone)) ?? [];
  if (!runs.length) return [];
  const wasmModels = [
    ...(r.backends.find((b) => b.backend === 'wasm')?.models ?? []),
    ...(r.faceWasm?.models ?? []),
  ];
  const rows = [];
  for (const run of runs) {
    const wasm = wasmModels.find((m) => m.backbone === run.backbone);
    for (const row of run.rows) {
      const w = wasm?.rows.find((x) => x.batchSize === row.batchSize);
      rows.push([
        run.backbone,
        row.batchSize,
        run.threads,
        fx(row.imagesPerSecond),
        w ? fx(w.imagesPerSecond) : 'n/a',
        fr(ratio(row.imagesPerSecond, w?.imagesPerSecond)),
        `${row.images} img, ${fx(row.seconds)} s`,
      ]);
      if (run.threads === r.onnx.cores)
        summary.push([`frozen ${run.backbone} b${row.batchSize}: onnx / tfjs-wasm images/s`, ratio(row.imagesPerSecond, w?.imagesPerSecond)]);
    }
  }
  return [
    '\n### The face-api models on ONNX Runtime, beside TF.js wasm',
    table(['backbone', 'batch', 'threads', 'ONNX img/s', 'TF.js wasm img/s', 'ONNX / TF.js wasm', 'ONNX sample'], rows),
    `\nThe graphs are the ones a worker writes in memory from the packaged face-api weights (\`face-api-*.onnx.ts\` of libs/cafe; features equal TF.js's to 1e-4), run through \`embedBatch\`; TF.js wasm is single-threaded. \`FER_FROZEN_ENGINE=auto\` runs every face-api model on ONNX Runtime when it loads, because it was measured faster for each (libs/cafe/src/backbones/README.md).`,
  ];
}

/** Images/s by batch size, TF.js wasm beside PyTorch, per model. */
export function charts(r) {
  const points = [];
  for (const model of r.backends.find((b) => b.backend === 'wasm')?.models ?? []) {
    for (const row of model.rows)
      points.push({ x: row.batchSize, y: row.imagesPerSecond, series: `${model.backbone}, TF.js wasm` });
  }
  for (const model of r.torch?.models ?? []) {
    for (const row of model.rows)
      points.push({ x: row.batchSize, y: row.imagesPerSecond, series: `${model.backbone}, PyTorch` });
  }
  return [
    {
      name: 'frozen-batch',
      title: 'Frozen features: images/s by batch size',
      xTitle: 'batch size',
      yTitle: 'images/s (log)',
      points,
      logX: true,
      logY: true,
    },
  ];
}
