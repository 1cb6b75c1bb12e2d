#!/usr/bin/python3
"""PyTorch-on-CPU reference for the training section of `npm run bench`: the official CAFE code's computation on the
CPU config's tensor shapes, step for step what `train()` of @fer/cafe does.

Per step (batch 32): rows of a shuffled epoch order; each row takes its flipped cached view with p = 0.5; MLP mask net
(Linear C->512, ReLU, Linear 512->C); x = f * sigmoid(m); FC head C->K; loss = CE + 5 * diverse + 1.5 * separation,
diverse = 1 - mean(class-group maxima) / groupSize, separation = CE on the group maxima of x * dropMask with a fresh
drop mask per step drawn like the official `Mask()` (random.shuffle of a 0/1 list per group, one mask per batch);
Adam (lr 2e-4, weight decay 1e-4 added to the gradient); the five reported values read back every step (as the
TF.js loop does); ExponentialLR(0.9) per epoch. Rate = samples / median time of the warm epochs (all but the first). Same synthetic data shapes as bench/train-tfjs.mjs.

Run: /usr/bin/python3 bench/torch_cafe_train.py --plan '{"cases":[{"n":1000,"dim":256,"epochs":2}]}'
"""
import argparse
import json
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
    group = dim // NUM_CLASSES
    model = Cafe(dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    epoch_seconds, last = [], None
    wall_start = time.perf_counter()
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for step in range((n + BATCH - 1) // BATCH):
            rows = order[step * BATCH:(step + 1) * BATCH]
            flip = torch.rand(rows.shape[0]) < 0.5
            f = torch.where(flip[:, None], flipped[rows], features[rows])
            y = labels[rows]
            x, logits = model(f)
            ce = F.cross_entropy(logits, y)
            diverse = 1 - group_max(x, group).mean() / group
            separation = F.cross_entropy(group_max(x * drop_mask(dim, group), group), y)
            total = ce + LAMBDA_DIVERSE * diverse + LAMBDA_SEPARATION * separation
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
            correct = (logits.argmax(1) == y).sum()
            last = torch.stack([total.detach(), ce.detach(), diverse.detach(), separation.detach(), correct.float()]).tolist()
        scheduler.step()
        epoch_seconds.append(time.perf_counter() - start)
    wall = time.perf_counter() - wall_start
    warm = sorted(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds)
    median = warm[(len(warm) - 1) // 2]
    return {'engine': 'pytorch', 'n': n, 'dim': dim, 'epochs': epochs, 'steps': epochs * ((n + BATCH - 1) // BATCH),
            'epochSeconds': epoch_seconds, 'samplesPerSecond': n / median, 'wallSeconds': wall,
            'wallSamplesPerSecond': n * epochs / wall, 'finalLoss': last[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--plan', required=True)
    plan = json.loads(parser.parse_args().plan)
    results = [run_case(c['n'], c['dim'], c['epochs']) for c in plan['cases']]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
