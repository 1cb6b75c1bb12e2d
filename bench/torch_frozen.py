#!/usr/bin/python3
"""PyTorch-on-CPU reference for the frozen-feature section of `npm run bench`.

Reuses the architectures of libs/cafe/scripts/torch-frozen-bench.py (same topologies as the TF.js backbones, random
weights), and adds what the bench needs: FLOPs per image (counted from the layers: 2 x multiply-adds of every conv,
linear and attention matmul; elementwise ops are not counted), images/s at several batch sizes with one warm-up
batch, and the float32 matmul peak of this machine as PyTorch reaches it (torch.mm through its BLAS, and the same
matmul through oneDNN, the tuned kernel PyTorch's convolutions use).

Run: /usr/bin/python3 bench/torch_frozen.py --plan '{"models": {"face-api-expression": [1, 8, 32]}, "seconds": 3}'
Prints one JSON object on stdout.
"""
import argparse
import importlib.util
import json
import os
import time

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'torch_frozen_bench', os.path.join(HERE, '..', 'libs', 'cafe', 'scripts', 'torch-frozen-bench.py'))
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)
MODELS = reference.MODELS


def count_flops(model, size):
    """FLOPs (2 per multiply-add) of one image through the model, from conv/linear hooks plus attention matmuls."""
    total = [0]

    def conv_hook(module, inputs, output):
        cin_per_group = module.in_channels // module.groups
        kernel = module.kernel_size[0] * module.kernel_size[1]
        total[0] += 2 * output.numel() * cin_per_group * kernel

    def linear_hook(module, inputs, output):
        total[0] += 2 * output.numel() * module.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.rand(1, 3, size, size) * 255)
    for h in hooks:
        h.remove()
    if isinstance(model, reference.ClipVisionB32):
        # q @ k^T and softmax(.) @ v per layer: 2 matmuls of t x t x width multiply-adds each.
        grid = size // model.patch.kernel_size[0]
        tokens = grid * grid + 1
        width = model.patch.out_channels
        total[0] += len(model.layers) * 2 * 2 * tokens * tokens * width
    return total[0]


def time_loop(fn, min_seconds, min_iters=1, max_iters=10_000):
    count, start = 0, time.perf_counter()
    while count < max_iters and (count < min_iters or time.perf_counter() - start < min_seconds):
        fn()
        count += 1
    return count, time.perf_counter() - start


def bench_model(name, batches, seconds, shape_warmup=True):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    size = model.input_size
    flops = count_flops(model, size)
    rows = []
    with torch.no_grad():
        model(torch.rand(1, 3, size, size) * 255)  # warm-up (allocations, oneDNN primitives)
        for batch in batches:
            x = torch.rand(batch, 3, size, size) * 255
            if shape_warmup:
                model(x)  # warm-up at this shape
            iters, elapsed = time_loop(lambda: model(x), seconds)
            ips = iters * batch / elapsed
            rows.append({'backbone': name, 'engine': 'pytorch', 'batchSize': batch, 'inputSize': size, 'images': iters * batch,
                         'seconds': elapsed, 'imagesPerSecond': ips, 'gflops': ips * flops / 1e9})
    return {'backbone': name, 'flopsPerImage': flops, 'rows': rows}


def matmul_peak(n, seconds):
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    iters, elapsed = time_loop(lambda: torch.mm(a, b), seconds)
    mm = 2 * n ** 3 * iters / elapsed / 1e9
    # The same matmul through oneDNN (a Linear layer on mkldnn tensors): what this CPU reaches with a tuned kernel.
    from torch.utils import mkldnn as mkldnn_utils
    linear = mkldnn_utils.to_mkldnn(nn.Linear(n, n, bias=False).eval())
    x = torch.rand(n, n).to_mkldnn()
    with torch.no_grad():
        linear(x)
        iters, elapsed = time_loop(lambda: linear(x), seconds)
    onednn = 2 * n ** 3 * iters / elapsed / 1e9
    return {'n': n, 'mmGflops': mm, 'onednnGflops': onednn}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--plan', required=True, help='JSON: {"models": {name: [batch, ...]}, "seconds": s, "matmul": n, "noShapeWarmup": [name]}')
    args = parser.parse_args()
    plan = json.loads(args.plan)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(),
           'blas': 'generic' if 'BLAS_INFO=generic' in torch.__config__.show() else 'optimized', 'models': []}
    if plan.get('matmul'):
        out['matmul'] = matmul_peak(plan['matmul'], plan.get('matmulSeconds', 2))
    for name, batches in plan.get('models', {}).items():
        out['models'].append(bench_model(name, batches, plan.get('seconds', 3), name not in plan.get('noShapeWarmup', [])))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
