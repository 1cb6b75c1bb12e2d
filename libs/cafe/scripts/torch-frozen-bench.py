#!/usr/bin/python3
"""PyTorch-on-CPU counterpart of the TF.js frozen-backbone benchmark: the same topologies with random weights, the same
input sizes, images/s as JSON on stdout, so `npm run bench` can report TF.js/PyTorch ratios.

Run: /usr/bin/python3 libs/cafe/scripts/torch-frozen-bench.py [--backbone face-api-expression clip-vit-b32] [--batch 16] [--seconds 8]
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


def bench(name, batch, batches, seconds):
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    x = torch.rand(batch, 3, model.input_size, model.input_size) * 255
    with torch.no_grad():
        model(x)  # warm-up
        count, start = 0, time.perf_counter()
        while count < batches or time.perf_counter() - start < seconds:
            model(x)
            count += 1
        elapsed = time.perf_counter() - start
    return {'backbone': name, 'engine': 'pytorch-cpu', 'inputSize': model.input_size, 'batchSize': batch,
            'images': count * batch, 'seconds': elapsed, 'imagesPerSecond': count * batch / elapsed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backbone', nargs='+', default=['face-api-expression', 'clip-vit-b32'], choices=sorted(MODELS))
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--batches', type=int, default=2)
    parser.add_argument('--seconds', type=float, default=8.0)
    args = parser.parse_args()
    results = [bench(name, args.batch, args.batches, args.seconds) for name in args.backbone]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
