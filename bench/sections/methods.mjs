// Section 2b, image-space methods: one training step of each image-space method of @fer/cafe (erm, scn, rul, eac, and
// cafe with the resnet18 mask net: a ResNet-18 on the image, each with its own head and loss) through `train()` on TF.js
// wasm, beside the same computation in plain torch.nn on CPU. Measures with bench/measure/train-tfjs.mjs (image cases
// naming a `method`) and bench/reference/torch_image_methods.py, one process per method and engine, interleaved
// (PyTorch, TF.js, next method, ...) for several rounds.
import { fr, fx, log, measure, ratio, reference, table } from '../lib.mjs';

export const title = '2b. Image-space methods';

export const METHODS = ['erm', 'scn', 'rul', 'eac', 'cafe'];

/** What this section measures; --quick shrinks it. */
export function plan(quick) {
  // n = batch = 32: every epoch is one training step, the first one (warm-up: kernel compilation, allocation) excluded.
  return {
    rounds: quick ? 1 : 3,
    methods: METHODS,
    case: { kind: 'image', n: 32, imageSize: 48, storedSize: 60, epochs: quick ? 3 : 6 },
  };
}

/** Lower median, as the measuring scripts take it. */
function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
}

export async function run(p) {
  const rounds = [];
  let torchVersion = null;
  for (let round = 1; round <= p.rounds; round++) {
    const results = [];
    for (const method of p.methods) {
      const c = { ...p.case, method };
      log(`methods: ${method}, PyTorch then TF.js wasm (round ${round}/${p.rounds})`);
      const torch = await reference('torch_image_methods.py', { cases: [c] });
      const wasm = await measure('train-tfjs.mjs', { cases: [c] }, ['--backend', 'wasm']);
      torchVersion ??= { torch: torch.torch, threads: torch.threads };
      results.push({ method, torch: torch.results[0], tfjs: { ...wasm.results[0], backend: wasm.backend } });
    }
    rounds.push(results);
  }
  return { rounds, torch: torchVersion };
}

/** Per method: the median over rounds of each engine's rate (each round's rate is its median warm step). */
function perMethod(r) {
  return r.rounds[0].map(({ method }) => {
    const pairs = r.rounds.map((round) => round.find((x) => x.method === method));
    const tfjs = median(pairs.map((x) => x.tfjs.samplesPerSecond));
    const torch = median(pairs.map((x) => x.torch.samplesPerSecond));
    return {
      method,
      n: pairs[0].tfjs.n,
      imageSize: pairs[0].tfjs.imageSize,
      storedSize: pairs[0].tfjs.storedSize,
      warmSteps: pairs.reduce((sum, x) => sum + x.tfjs.epochSeconds.length - 1, 0),
      tfjs,
      torch,
      roundRatios: pairs.map((x) => ratio(x.tfjs.samplesPerSecond, x.torch.samplesPerSecond)),
      finalLoss: [median(pairs.map((x) => x.tfjs.finalLoss)), median(pairs.map((x) => x.torch.finalLoss))],
    };
  });
}

const LABELS = {
  erm: 'erm (ResNet-18 + FC, cross-entropy)',
  scn: 'scn (alpha attention, rank regularisation)',
  rul: 'rul (mu / log-variance heads, uncertainty mixup, FC at 10x lr)',
  eac: 'eac (two forwards, CAM consistency with the flipped view)',
  cafe: 'cafe, maskNet resnet18 (mask over 512-d cached features)',
};

export function render(r, summary) {
  const rows = perMethod(r).map((m) => {
    const rateRatio = ratio(m.tfjs, m.torch);
    summary.push([
      `training step ${m.method} (ResNet-18 on ${m.imageSize} px, batch ${m.n}): tfjs-wasm / pytorch samples/s`,
      rateRatio,
    ]);
    return [
      LABELS[m.method] ?? m.method,
      `${m.storedSize} -> ${m.imageSize} px`,
      m.warmSteps,
      fx(m.tfjs ? (1000 * m.n) / m.tfjs : null, 0),
      fx(m.torch ? (1000 * m.n) / m.torch : null, 0),
      fr(rateRatio),
      fr(ratio(m.torch, m.tfjs)),
      m.roundRatios.map((v) => (v == null ? 'n/a' : v.toFixed(2))).join(', '),
      `${fx(m.finalLoss[0], 3)} / ${fx(m.finalLoss[1], 3)}`,
    ];
  });
  const c = r.rounds[0][0]?.tfjs;
  return [
    `One training step (forward, loss, backward, Adam) of each image-space method, batch ${c?.n ?? 32}, on random 0..255 pixels stored at ${c?.storedSize} px and augmented per batch as the trainer does for every image-space method (flip p=0.5, Gaussian noise var 30 p=0.5, bilinear resize to ${c?.imageSize} px, ImageNet normalisation, random erasing p=0.5), ResNet-18 trunk from scratch (torchvision topology, BatchNorm in train mode), Adam lr 2e-4 weight decay 1e-4, ExponentialLR, the five reported values read back every step. TF.js = \`train()\` of @fer/cafe with \`method: <m>\` (\`maskNet: 'resnet18'\` for cafe) on wasm, the methods' defaults (libs/cafe/src/methods/*.method.ts); PyTorch = bench/reference/torch_image_methods.py, the same heads and loss formulas in plain torch.nn (scn: attention-weighted logits, rank regularisation from torch.topk, beta 0.7, margin 0.15; rul: BatchNorm2d/Dropout 0.4/Linear/BatchNorm1d mu and log-variance heads on layer4's map, uncertainty-weighted mixup of a random permutation, 0.5 CE + 0.5 CE of the partner's label, FC in its own Adam group at 10x; eac: second forward of the flipped view, CAMs from layer4 and the FC weights without gradient, CE + 5 MSE against the flipped-back CAMs with the official \`grid_sample\` flip grid; cafe: CE + 5 diverse + 1.5 separation as in the table above). n = batch, so each epoch is one step: the first (warm-up) is excluded, the rate of a process is the batch over its median warm step; PyTorch and TF.js run in their own process per method, interleaved (PyTorch, TF.js, next method) for ${r.rounds.length} round(s), and the table shows the median over rounds (each round's ratio beside it; everything in the raw JSON). Neither side gets pretrained weights: the cost of a step does not depend on them.`,
    '',
    table(
      [
        'method (TF.js wasm beside PyTorch)',
        'stored -> network input',
        'warm steps timed (TF.js, all rounds)',
        'step ms TF.js',
        'step ms PyTorch',
        'TF.js / PyTorch samples/s',
        'TF.js / PyTorch step time',
        'samples/s ratio per round',
        'final loss TF.js / PyTorch',
      ],
      rows,
    ),
    '',
    `PyTorch ${r.torch?.torch ?? '?'}, ${r.torch?.threads ?? '?'} thread(s). The step-time ratio is the inverse of the rate ratio (0.25x samples/s = a TF.js step 4x as long). Final losses differ because initialisation and random streams differ (same shapes and work, not the same numbers); eac's includes 5x its CAM consistency term, large for an untrained trunk.`,
  ].join('\n');
}

export function charts() {
  return [];
}
