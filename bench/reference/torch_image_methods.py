#!/usr/bin/python3
"""PyTorch-on-CPU reference for the image-space methods section of `npm run bench` (bench/sections/methods.mjs): one
training step of each image-space method of @fer/cafe (erm, scn, rul, eac, and cafe with the resnet18 mask net) in
plain torch.nn, on the same batch, image size, augmentation and loss formula as libs/cafe/src/methods/*.method.ts.

Per step (batch 32, rows of a shuffled epoch order): the pixels (random 0..255 bytes stored at `storedSize` px) are
augmented as the trainer does for every image-space method (flip p 0.5, Gaussian noise var 30 p 0.5, bilinear resize to
`imageSize`, ImageNet normalisation, RandomErasing p 0.5; `augment` of torch_cafe_train.py), then forward, loss,
backward and Adam (lr 2e-4, weight decay 1e-4 added to the gradient), the reported values read back (as the TF.js loop
does); ExponentialLR(0.9) per epoch. The trunk is torch_cafe_train.py's plain-PyTorch ResNet-18 (torchvision's topology
and initialisation, BatchNorm in train mode; torchvision is not a Debian package here). The losses:

- erm: fc(avgpool(layer4)) -> cross-entropy.
- scn (Self-Cure Network, official src/train.py): alpha = sigmoid(Linear(512->1)(x)), logits = alpha * fc(x);
  CE + rank regularisation max(0, mean alpha of the B - floor(0.7 B) lowest - mean alpha of the floor(0.7 B) highest
  + 0.15) with the groups from torch.topk. (No relabelling: it starts at epoch 10, after these few epochs, as in TF.js.)
- rul (Relative Uncertainty Learning, official src/rul.py): mu and log-variance heads on layer4's map, each
  BatchNorm2d(512, eps 2e-5, affine=False) -> Dropout(0.4) -> Flatten -> Linear(512*h*w -> 64) -> BatchNorm1d(64, eps 2e-5);
  att = mean exp(logvar); mix = (att * mu + att[perm] * mu[perm]) / (att + att[perm]) with a random permutation;
  0.5 CE(fc(mix), y) + 0.5 CE(fc(mix), y[perm]); the FC in its own Adam param group at 10x the learning rate.
- eac (Erasing Attention Consistency, official src/main.py, model.py, loss.py): the second view is the first one
  flipped left-right after its erasing and noise, through a second training-mode forward; CAMs hm[b, k] =
  sum_c layer4[b, c] * W_fc[k, c] with the FC weights taken without gradient (`params[-2].data`);
  CE(fc(avgpool(layer4)), y) + 5 * MSE(hm1, grid_sample(hm2, mirrored grid, bilinear, border, align_corners=True)),
  the official flip (generate_flip_grid).
- cafe: torch_cafe_train.py's image-space CAFE (ResNet-18 mask net -> sigmoid mask over 512-d cached features -> FC;
  CE + 5 diverse + 1.5 separation with a fresh drop mask per step).

Rate = samples / median time of the warm epochs (all epochs but the first). Run:
/usr/bin/python3 bench/reference/torch_image_methods.py --plan '{"cases":[{"method":"eac","n":64,"imageSize":48,"storedSize":60,"epochs":3}]}'
"""
import argparse
import json
import os
import random
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_cafe_train import (  # noqa: E402  (the shared trunk, augmentation and CAFE step)
    BATCH, NUM_CLASSES, RESNET_WIDTH, CafeImage, ResNet18Trunk, augment, cafe_step, synthetic_set)

SCN_BETA, SCN_MARGIN1 = 0.7, 0.15
RUL_FEATURE_DIM, RUL_DROPOUT, RUL_FC_LR_MULTIPLIER = 64, 0.4, 10
EAC_LAMBDA = 5.0
LR, WEIGHT_DECAY, GAMMA = 2e-4, 1e-4, 0.9


class Trunk(ResNet18Trunk):
    """The ResNet-18 trunk up to layer4's map [B, 512, h, w] (ResNet18Trunk.forward pools it)."""

    def feature_map(self, x):
        return self.blocks(F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1))


def pool(feature_map):
    return torch.flatten(F.adaptive_avg_pool2d(feature_map, 1), 1)


class Erm(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = Trunk()
        self.fc = nn.Linear(RESNET_WIDTH, NUM_CLASSES)

    def step_loss(self, images, y):
        logits = self.fc(pool(self.trunk.feature_map(images)))
        return F.cross_entropy(logits, y), logits


class Scn(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = Trunk()
        self.fc = nn.Linear(RESNET_WIDTH, NUM_CLASSES)
        self.alpha = nn.Linear(RESNET_WIDTH, 1)

    def step_loss(self, images, y):
        x = pool(self.trunk.feature_map(images))
        attention = torch.sigmoid(self.alpha(x))
        logits = attention * self.fc(x)
        ce = F.cross_entropy(logits, y)
        batch = x.shape[0]
        tops = int(batch * SCN_BETA)
        if tops < 1:
            return ce, logits
        _, top_idx = torch.topk(attention.squeeze(1), tops)
        _, down_idx = torch.topk(attention.squeeze(1), batch - tops, largest=False)
        diff = attention[down_idx].mean() - attention[top_idx].mean() + SCN_MARGIN1
        return ce + (diff if diff > 0 else 0.0), logits


def uncertainty_head(flat_dim):
    return nn.Sequential(
        nn.BatchNorm2d(RESNET_WIDTH, eps=2e-5, affine=False), nn.Dropout(RUL_DROPOUT), nn.Flatten(),
        nn.Linear(flat_dim, RUL_FEATURE_DIM), nn.BatchNorm1d(RUL_FEATURE_DIM, eps=2e-5))


class Rul(nn.Module):
    def __init__(self, image_size):
        super().__init__()
        self.trunk = Trunk()
        with torch.no_grad():
            _, _, h, w = self.trunk.feature_map(torch.zeros(2, 3, image_size, image_size)).shape
        self.mu = uncertainty_head(RESNET_WIDTH * h * w)
        self.logvar = uncertainty_head(RESNET_WIDTH * h * w)
        self.fc = nn.Linear(RUL_FEATURE_DIM, NUM_CLASSES)

    def param_groups(self):
        fc = set(id(p) for p in self.fc.parameters())
        return [{'params': [p for p in self.parameters() if id(p) not in fc]},
                {'params': list(self.fc.parameters()), 'lr': LR * RUL_FC_LR_MULTIPLIER}]

    def step_loss(self, images, y):
        feature_map = self.trunk.feature_map(images)
        mu, logvar = self.mu(feature_map), self.logvar(feature_map)
        perm = torch.randperm(mu.shape[0])
        att = torch.exp(logvar).mean(1, keepdim=True)
        mixed = (att * mu + att[perm] * mu[perm]) / (att + att[perm])
        logits = self.fc(mixed)
        return 0.5 * F.cross_entropy(logits, y) + 0.5 * F.cross_entropy(logits, y[perm]), logits


def flip_grid(w, h):
    """The official generate_flip_grid: a sampling grid mirrored left-right, [1, 2, h, w], coordinates in [-1, 1].
    (The official code divides by w - 1, NaN for a 1-wide map, e.g. layer4 of a 32 px image; max(., 1) keeps the
    identity there, which is what the TF.js reverse computes.)"""
    x = torch.arange(w).view(1, -1).expand(h, -1)
    y = torch.arange(h).view(-1, 1).expand(-1, w)
    grid = torch.stack([x, y], dim=0).float().unsqueeze(0)
    grid[:, 0] = 2 * grid[:, 0] / max(w - 1, 1) - 1
    grid[:, 1] = 2 * grid[:, 1] / max(h - 1, 1) - 1
    grid[:, 0] = -grid[:, 0]
    return grid


class Eac(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = Trunk()
        self.fc = nn.Linear(RESNET_WIDTH, NUM_CLASSES)

    def forward(self, images):
        feature_map = self.trunk.feature_map(images)
        weights = self.fc.weight.data.view(1, NUM_CLASSES, RESNET_WIDTH, 1, 1)  # no gradient, as params[-2].data
        heatmaps = (feature_map.unsqueeze(1) * weights).sum(2)  # [B, K, h, w]
        return self.fc(pool(feature_map)), heatmaps

    def step_loss(self, images, y):
        logits, hm1 = self(images)
        _, hm2 = self(images.flip(3))
        b, _, h, w = hm2.shape
        grid = flip_grid(w, h).expand(b, -1, -1, -1).permute(0, 2, 3, 1)
        hm2_flipped = F.grid_sample(hm2, grid, mode='bilinear', padding_mode='border', align_corners=True)
        return F.cross_entropy(logits, y) + EAC_LAMBDA * F.mse_loss(hm1, hm2_flipped), logits


def run_case(method, n, image_size, stored_size, epochs):
    torch.manual_seed(1)
    random.seed(1)
    features, flipped, labels = synthetic_set(n, RESNET_WIDTH, 1)
    pixels = torch.randint(0, 256, (n, stored_size, stored_size, 3), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(2))
    wall_start = time.perf_counter()
    model = {'erm': Erm, 'scn': Scn, 'eac': Eac, 'cafe': lambda: CafeImage(RESNET_WIDTH),
             'rul': lambda: Rul(image_size)}[method]()
    model.train()
    optimizer = torch.optim.Adam(model.param_groups() if method == 'rul' else model.parameters(), lr=LR,
                                 weight_decay=WEIGHT_DECAY)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=GAMMA)
    epoch_seconds, last = [], None
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for step in range((n + BATCH - 1) // BATCH):
            rows = order[step * BATCH:(step + 1) * BATCH]
            flip = torch.rand(rows.shape[0]) < 0.5
            images = augment(pixels[rows], image_size, flip)
            y = labels[rows]
            if method == 'cafe':
                x, logits = model(images, torch.where(flip[:, None], flipped[rows], features[rows]))
                last = cafe_step(optimizer, x, logits, y, RESNET_WIDTH, RESNET_WIDTH // NUM_CLASSES)
                continue
            loss, logits = model.step_loss(images, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            ce = F.cross_entropy(logits.detach(), y)
            correct = (logits.argmax(1) == y).sum()
            last = torch.stack([loss.detach(), ce, torch.tensor(0.0), torch.tensor(0.0), correct.float()]).tolist()
        scheduler.step()
        epoch_seconds.append(time.perf_counter() - start)
    wall = time.perf_counter() - wall_start
    warm = sorted(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds)
    median = warm[(len(warm) - 1) // 2]  # the lower median, as bench/measure/train-tfjs.mjs takes it
    return {'engine': 'pytorch', 'method': method, 'n': n, 'imageSize': image_size, 'storedSize': stored_size,
            'epochs': epochs, 'steps': epochs * ((n + BATCH - 1) // BATCH), 'epochSeconds': epoch_seconds,
            'samplesPerSecond': n / median, 'wallSeconds': wall, 'wallSamplesPerSecond': n * epochs / wall,
            'finalLoss': last[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--plan', required=True)
    plan = json.loads(parser.parse_args().plan)
    results = [run_case(c['method'], c['n'], c['imageSize'], c['storedSize'], c['epochs']) for c in plan['cases']]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'results': results}))


if __name__ == '__main__':
    main()
