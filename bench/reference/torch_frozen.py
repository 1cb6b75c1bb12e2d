#!/usr/bin/python3
"""PyTorch-on-CPU reference for the frozen-feature section of `npm run bench` (bench/sections/frozen.mjs).

The same topologies as the TF.js backbones of libs/cafe (face-api's expression trunk and dlib ResNet-34 recognition
net, CLIP's ViT-B/32 vision tower), random weights, the same input sizes (this file was libs/cafe's
torch-frozen-bench.py plus the bench's wrapper). It measures FLOPs per image (counted from the layers: 2 x
multiply-adds of every conv, linear and attention matmul; elementwise ops are not counted), images/s at several batch
sizes with one warm-up batch, and the float32 matmul peak of this machine as PyTorch reaches it (torch.mm through its
BLAS, and the same matmul through oneDNN, the tuned kernel PyTorch's convolutions use).

Run: /usr/bin/python3 bench/reference/torch_frozen.py --plan '{"models": {"face-api-expression": [1, 8, 32]}, "seconds": 3}'
Prints one JSON object on stdout.
"""
import argparse
import json
import time

import torch
from torch import nn


class SeparableConv(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=True)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class DenseBlock(nn.Module):
    """face-api denseBlock4: out1 = relu(conv0(x)); each later conv sees relu(sum of the previous outputs)."""

    def __init__(self, cin, cout, first):
        super().__init__()
        self.conv0 = nn.Conv2d(cin, cout, 3, 2, 1) if first else SeparableConv(cin, cout, 2)
        self.convs = nn.ModuleList([SeparableConv(cout, cout, 1) for _ in range(3)])

    def forward(self, x):
        outs = [torch.relu(self.conv0(x))]
        for conv in self.convs:
            outs.append(conv(torch.relu(sum(outs)) if len(outs) > 1 else outs[0]))
        return torch.relu(sum(outs))


class FaceApiExpressionTrunk(nn.Module):
    input_size = 112

    def __init__(self):
        super().__init__()
        widths = [3, 32, 64, 128, 256]
        self.blocks = nn.Sequential(*[DenseBlock(widths[i], widths[i + 1], i == 0) for i in range(4)])
        self.register_buffer('mean', torch.tensor([122.782, 117.001, 104.298]).view(1, 3, 1, 1))

    def forward(self, x):
        x = self.blocks((x - self.mean) / 255)
        return nn.functional.avg_pool2d(x, 7, 2).flatten(1)


class ScaledConv(nn.Module):
    def __init__(self, cin, cout, k, stride, padding):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, padding)
        self.scale = nn.Parameter(torch.ones(cout, 1, 1))
        self.shift = nn.Parameter(torch.zeros(cout, 1, 1))

    def forward(self, x):
        return self.conv(x) * self.scale + self.shift


class Residual(nn.Module):
    def __init__(self, cin, cout, down):
        super().__init__()
        self.down = down
        self.conv1 = ScaledConv(cin, cout, 3, 2 if down else 1, 0 if down else 1)
        self.conv2 = ScaledConv(cout, cout, 3, 1, 1)
        self.cout = cout

    def forward(self, x):
        out = self.conv2(torch.relu(self.conv1(x)))
        if not self.down:
            return torch.relu(out + x)
        pooled = nn.functional.avg_pool2d(x, 2, 2)
        out = nn.functional.pad(out, (0, pooled.shape[3] - out.shape[3], 0, pooled.shape[2] - out.shape[2]))
        if pooled.shape[1] != self.cout:
            pooled = nn.functional.pad(pooled, (0, 0, 0, 0, 0, self.cout - pooled.shape[1]))
        return torch.relu(out + pooled)


class FaceApiRecognition(nn.Module):
    """dlib ResNet-34 face descriptor as face-api runs it."""
    input_size = 150
    LAYERS = [(32, False)] * 3 + [(64, True)] + [(64, False)] * 3 + [(128, True)] + [(128, False)] * 2 + \
        [(256, True)] + [(256, False)] * 2 + [(256, True)]

    def __init__(self):
        super().__init__()
        self.stem = ScaledConv(3, 32, 7, 2, 0)
        layers, cin = [], 32
        for cout, down in self.LAYERS:
            layers.append(Residual(cin, cout, down))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(256, 128, bias=False)
        self.register_buffer('mean', torch.tensor([122.782, 117.001, 104.298]).view(1, 3, 1, 1))

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.stem((x - self.mean) / 255)), 3, 2)
        return self.fc(self.layers(x).mean((2, 3)))


class ClipVisionB32(nn.Module):
    input_size = 224

    def __init__(self, width=768, layers=12, heads=12, patch=32, proj=512):
        super().__init__()
        grid = self.input_size // patch
        self.patch = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, width) * 0.01)
        self.pre = nn.LayerNorm(width)
        self.heads = heads
        self.layers = nn.ModuleList([nn.ModuleDict({
            'ln1': nn.LayerNorm(width), 'qkv': nn.Linear(width, 3 * width), 'out': nn.Linear(width, width),
            'ln2': nn.LayerNorm(width), 'fc1': nn.Linear(width, 4 * width), 'fc2': nn.Linear(4 * width, width),
        }) for _ in range(layers)])
        self.post = nn.LayerNorm(width)
        self.proj = nn.Linear(width, proj, bias=False)
        self.register_buffer('mean', torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1) * 255)
        self.register_buffer('std', torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1) * 255)

    def forward(self, x):
        x = self.patch((x - self.mean) / self.std).flatten(2).transpose(1, 2)
        b, _, w = x.shape
        x = self.pre(torch.cat([self.cls.expand(b, 1, w), x], 1) + self.pos)
        t, d = x.shape[1], w // self.heads
        for layer in self.layers:
            q, k, v = layer['qkv'](layer['ln1'](x)).split(w, -1)
            q, k, v = (z.reshape(b, t, self.heads, d).transpose(1, 2) for z in (q, k, v))
            a = torch.softmax(q @ k.transpose(-1, -2) * d ** -0.5, -1) @ v
            x = x + layer['out'](a.transpose(1, 2).reshape(b, t, w))
            h = layer['fc1'](layer['ln2'](x))
            x = x + layer['fc2'](h * torch.sigmoid(1.702 * h))
        return self.proj(self.post(x[:, 0]))


MODELS = {'face-api-expression': FaceApiExpressionTrunk, 'face-api-recognition': FaceApiRecognition, 'clip-vit-b32': ClipVisionB32}


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
    if isinstance(model, ClipVisionB32):
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
