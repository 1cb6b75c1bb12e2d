#!/usr/bin/env python3
"""Where a ResNet-18 training step's time goes in PyTorch: forward, forward + backward, and the ops of the backward.

The reference beside bench/measure/resnet18-profile.mjs (bench section 2): the same trunk as torch_cafe_train.py
(torchvision topology, BatchNorm in train mode, no fc), a batch of normal images at each size, loss = mean of the
squared pooled features. The images need no gradient, as in training. Times are medians over `repeats` after one
warm-up; the op table is torch.profiler's self CPU time of `profiles` more forward + backwards, summed per op name
within a pass and the median over the passes taken.

Usage: torch_resnet18_profile.py --plan '{"sizes": [32, 64], "batch": 32, "repeats": 5, "profiles": 3}'
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_cafe_train import ResNet18Trunk  # noqa: E402


def median_ms(step, repeats):
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def profiled_ops(step, passes):
    """Per op name, the median over `passes` profiled runs of `step` of its self CPU ms and its calls."""
    runs = []
    for _ in range(passes):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step()
        runs.append({e.key: (e.self_cpu_time_total / 1000, e.count) for e in prof.key_averages()})
    names = {name for run in runs for name in run}
    return [
        {
            'op': name,
            'ms': statistics.median_low([run.get(name, (0, 0))[0] for run in runs]),
            'calls': statistics.median_low([run.get(name, (0, 0))[1] for run in runs]),
        }
        for name in names
    ]


def run_size(size, batch, repeats, passes):
    torch.manual_seed(1)
    trunk = ResNet18Trunk().train()
    images = torch.randn(batch, 3, size, size)

    def forward():
        with torch.no_grad():
            trunk(images)

    def forward_backward():
        trunk.zero_grad(set_to_none=True)
        trunk(images).square().mean().backward()

    forward_ms = median_ms(forward, repeats)
    step_ms = median_ms(forward_backward, repeats)
    ops = sorted(profiled_ops(forward_backward, passes), key=lambda op: -op['ms'])
    return {'size': size, 'batch': batch, 'forwardMs': forward_ms, 'stepMs': step_ms, 'ops': [op for op in ops if op['ms'] > 0][:12]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--plan', required=True)
    plan = json.loads(parser.parse_args().plan)
    passes = plan.get('profiles', 1)
    results = [run_size(size, plan['batch'], plan['repeats'], passes) for size in plan['sizes']]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'profiles': passes, 'results': results}))


if __name__ == '__main__':
    main()
