#!/usr/bin/python3
"""PyTorch-on-CPU reference for the training section of `npm run bench`: the official CAFE code's computation on the
CPU config's tensor shapes, step for step what `train()` of @fer/cafe does.

Per step (batch 32): rows of a shuffled epoch order; each row takes its flipped cached view with p = 0.5; MLP mask net
(Linear C->512, ReLU, Linear 512->C); x = f * sigmoid(m); FC head C->K; loss = CE + 5 * diverse + 1.5 * separation,
diverse = 1 - mean(class-group maxima) / groupSize, separation = CE on the group maxima of x * dropMask with a fresh
drop mask per step drawn like the official `Mask()` (random.shuffle of a 0/1 list per group, one mask per batch);
Adam (lr 2e-4, weight decay 1e-4 added to the gradient); the five reported values read back every step (as the
TF.js loop does); ExponentialLR(0.9) per epoch. Rate = samples / median time of the warm epochs (all but the first). Same synthetic data shapes as bench/measure/train-tfjs.mjs.

Cases of kind "image" run the image-space config (the paper's): a standard ResNet-18 trunk written here in plain
PyTorch (torchvision's BasicBlock topology and initialisation, without its fc; torchvision is not a Debian package
here), then Linear(512 -> C) only when C != 512, as libs/cafe's resnet18 mask net; BatchNorm in train mode. The
pixels are stored at `storedSize` px (random 0..255 bytes, in memory, like inMemoryImages) and augmented per batch as
libs/cafe's image-augment.ts does: per image flip (p 0.5, which also picks the flipped cached feature view), Gaussian
noise of variance 30 on 0..255 (p 0.5; clipped, rounded), bilinear resize to `imageSize`, ImageNet normalisation,
RandomErasing (p 0.5, scale 0.02-0.25, ratio 0.3-3.3, value 0).

Run: /usr/bin/python3 bench/reference/torch_cafe_train.py --plan '{"cases":[{"n":1000,"dim":256,"epochs":2},{"kind":"image","n":64,"imageSize":32,"storedSize":40,"epochs":3}]}'
"""
import argparse
import json
import math
import random
import time

import torch
from torch import nn
import torch.nn.functional as F

NUM_CLASSES, HIDDEN, BATCH = 7, 512, 32
LAMBDA_DIVERSE, LAMBDA_SEPARATION, DROP_RATIO = 5.0, 1.5, 10 / 73


def synthetic_set(n, dim, seed):
    g = torch.Generator().manual_seed(1000 + dim)
    means = torch.randn(NUM_CLASSES, dim, generator=g)
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % NUM_CLASSES
    features = means[labels] + 0.8 * torch.randn(n, dim, generator=g)
    flipped = features + 0.1 * torch.randn(n, dim, generator=g)
    return features.contiguous(), flipped.contiguous(), labels


def drop_mask(channels, group):
    """The official Mask(): per class group a shuffled list with `drop` zeros; channels past K * group stay 1."""
    drop = min(group - 1, max(0, round(DROP_RATIO * group)))
    mask = []
    for _ in range(NUM_CLASSES):
        part = [1.0] * (group - drop) + [0.0] * drop
        random.shuffle(part)
        mask += part
    mask += [1.0] * (channels - NUM_CLASSES * group)
    return torch.tensor(mask)


def group_max(x, group):
    return x[:, :NUM_CLASSES * group].reshape(x.shape[0], NUM_CLASSES, group).max(2).values


class Cafe(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.mask_net = nn.Sequential(nn.Linear(dim, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, dim))
        self.fc = nn.Linear(dim, NUM_CLASSES)

    def forward(self, f):
        x = f * torch.sigmoid(self.mask_net(f))
        return x, self.fc(x)


def run_case(n, dim, epochs):
    torch.manual_seed(1)
    random.seed(1)
    features, flipped, labels = synthetic_set(n, dim, 1)
    wall_start = time.perf_counter()
    model = Cafe(dim)

    def forward(rows, flip):
        return model(torch.where(flip[:, None], flipped[rows], features[rows]))

    epoch_seconds, last = train_epochs(model, forward, labels, dim, epochs)
    return summary('features', n, dim, epochs, epoch_seconds, time.perf_counter() - wall_start, last)


def train_epochs(model, forward, labels, dim, epochs):
    """The trainer's loop: a shuffled order per epoch, batches of 32, flip drawn per row (p = 0.5), `forward(rows,
    flip)` -> (x, logits), one cafe_step per batch, ExponentialLR per epoch. Returns epoch seconds and the last values."""
    n, group = labels.shape[0], dim // NUM_CLASSES
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    epoch_seconds, last = [], None
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for step in range((n + BATCH - 1) // BATCH):
            rows = order[step * BATCH:(step + 1) * BATCH]
            flip = torch.rand(rows.shape[0]) < 0.5
            x, logits = forward(rows, flip)
            last = cafe_step(optimizer, x, logits, labels[rows], dim, group)
        scheduler.step()
        epoch_seconds.append(time.perf_counter() - start)
    return epoch_seconds, last


def cafe_step(optimizer, x, logits, y, dim, group):
    """CE + 5 diverse + 1.5 separation (fresh drop mask), Adam step; the five reported values read back."""
    ce = F.cross_entropy(logits, y)
    diverse = 1 - group_max(x, group).mean() / group
    separation = F.cross_entropy(group_max(x * drop_mask(dim, group), group), y)
    total = ce + LAMBDA_DIVERSE * diverse + LAMBDA_SEPARATION * separation
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    correct = (logits.argmax(1) == y).sum()
    return torch.stack([total.detach(), ce.detach(), diverse.detach(), separation.detach(), correct.float()]).tolist()


def summary(kind, n, dim, epochs, epoch_seconds, wall, last, **extra):
    warm = sorted(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds)
    median = warm[(len(warm) - 1) // 2]
    return {'engine': 'pytorch', 'kind': kind, 'n': n, 'dim': dim, **extra, 'epochs': epochs,
            'steps': epochs * ((n + BATCH - 1) // BATCH), 'epochSeconds': epoch_seconds, 'samplesPerSecond': n / median,
            'wallSeconds': wall, 'wallSamplesPerSecond': n * epochs / wall, 'finalLoss': last[0]}


# ---------- image-space config: ResNet-18 mask net on the pixels ----------
RESNET_WIDTH = 512
IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
NOISE_VARIANCE, ERASING_P, ERASING_SCALE = 30.0, 0.5, (0.02, 0.25)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18Trunk(nn.Module):
    """torchvision.models.resnet18 without its fc: [B, 3, S, S] -> [B, 512]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        blocks, inplanes = [], 64
        for stage, planes in enumerate([64, 128, 256, 512]):
            for b in range(2):
                blocks.append(BasicBlock(inplanes, planes, 2 if stage > 0 and b == 0 else 1))
                inplanes = planes
        self.blocks = nn.Sequential(*blocks)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        return torch.flatten(F.adaptive_avg_pool2d(self.blocks(x), 1), 1)


class CafeImage(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.trunk = ResNet18Trunk()
        self.projection = nn.Linear(RESNET_WIDTH, dim) if dim != RESNET_WIDTH else None
        self.fc = nn.Linear(dim, NUM_CLASSES)

    def forward(self, images, f):
        m = self.trunk(images)
        if self.projection is not None:
            m = self.projection(m)
        x = f * torch.sigmoid(m)
        return x, self.fc(x)


def erase_rect(size):
    """torchvision RandomErasing.get_params for a size x size input: up to 10 tries, else no erasing."""
    if random.random() >= ERASING_P:
        return None
    area = size * size
    for _ in range(10):
        erase_area = area * random.uniform(*ERASING_SCALE)
        aspect = math.exp(random.uniform(math.log(0.3), math.log(3.3)))
        h = int(round(math.sqrt(erase_area * aspect)))
        w = int(round(math.sqrt(erase_area / aspect)))
        if 0 < h < size and 0 < w < size:
            return random.randint(0, size - h), random.randint(0, size - w), h, w
    return None


def augment(pixels, image_size, flip):
    """uint8 [B, S0, S0, 3] -> normalised float [B, 3, S, S]: flip, noise (p 0.5), resize, normalise, erasing."""
    x = pixels.float()
    x = torch.where(flip[:, None, None, None], x.flip(2), x)
    noisy = torch.rand(x.shape[0]) < 0.5
    if noisy.any():
        noise = torch.randn(x.shape) * math.sqrt(NOISE_VARIANCE)
        x = torch.round(torch.clamp(x + noise * noisy[:, None, None, None].float(), 0, 255))
    x = x.permute(0, 3, 1, 2)
    if x.shape[-1] != image_size:
        x = F.interpolate(x, size=(image_size, image_size), mode='bilinear', align_corners=False)
    x = (x / 255 - IMAGENET_MEAN) / IMAGENET_STD
    for i in range(x.shape[0]):
        rect = erase_rect(image_size)
        if rect:
            top, left, h, w = rect
            x[i, :, top:top + h, left:left + w] = 0
    return x.contiguous()


def run_image_case(n, image_size, stored_size, epochs, dim=RESNET_WIDTH):
    torch.manual_seed(1)
    random.seed(1)
    features, flipped, labels = synthetic_set(n, dim, 1)
    pixels = torch.randint(0, 256, (n, stored_size, stored_size, 3), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(2))
    wall_start = time.perf_counter()
    model = CafeImage(dim)
    model.train()

    def forward(rows, flip):
        return model(augment(pixels[rows], image_size, flip), torch.where(flip[:, None], flipped[rows], features[rows]))

    epoch_seconds, last = train_epochs(model, forward, labels, dim, epochs)
    return summary('image', n, dim, epochs, epoch_seconds, time.perf_counter() - wall_start, last,
                   imageSize=image_size, storedSize=stored_size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--plan', required=True)
    plan = json.loads(parser.parse_args().plan)
    results = [run_image_case(c['n'], c['imageSize'], c['storedSize'], c['epochs']) if c.get('kind') == 'image'
               else run_case(c['n'], c['dim'], c['epochs']) for c in plan['cases']]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
