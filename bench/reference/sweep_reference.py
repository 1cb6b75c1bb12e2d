#!/usr/bin/python3
"""Reference for the sweep expansion of the API section (bench/sections/api.mjs, run by bench/measure/api.mjs): the
same grid expanded the way DomainBed's sweep script does it (itertools.product over the grid; per point a deep copy of
the base config with the values set at their dotted paths; an id = sha256 of the canonical, key-sorted JSON; duplicates
dropped). No schema validation (DomainBed has none), which expandSearchSpace does per point (zod). Reads
{"base": config, "grid": {path: [values]}, "repeats": n} on stdin, prints {"points": k, "seconds": [per repeat]} as
JSON.
"""
import copy
import hashlib
import itertools
import json
import sys
import time


def expand(base, grid):
    names = sorted(grid)
    seen = {}
    for values in itertools.product(*(grid[name] for name in names)):
        config = copy.deepcopy(base)
        params = dict(zip(names, values))
        for path, value in params.items():
            node = config
            keys = path.split('.')
            for key in keys[:-1]:
                node = node[key]
            node[keys[-1]] = value
        canonical = json.dumps(config, sort_keys=True, separators=(',', ':'))
        config_id = 'cfg_' + hashlib.sha256(canonical.encode()).hexdigest()[:16]
        seen.setdefault(config_id, {'configId': config_id, 'config': config, 'params': params})
    return list(seen.values())


def main():
    spec = json.load(sys.stdin)
    seconds, points = [], 0
    for _ in range(spec['repeats']):
        start = time.perf_counter()
        points = len(expand(spec['base'], spec['grid']))
        seconds.append(time.perf_counter() - start)
    print(json.dumps({'points': points, 'seconds': seconds}))


if __name__ == '__main__':
    main()
