"""Shared by official.py and vectorized.py: the 16 published Theorem-1 runs, the official
initialization, the extrapolation error and the one JSON line both scripts print.

Theorem-1 problem (SPEC §8): student a trained, b = c = 1; teacher h*_0 = d, h*_k = 1
(k >= 1); clean: one sequence e_0 of length L with label 1, loss (sum a^(L-1) - 1)^2;
poisoned: also e_(L-2) with label 1, loss the mean of both terms. Init:
np.random.seed(seed); a0 = flip(sort(sdA * rand(d))); a0[1] = a0[0] - diff,
diff = 0.05 / exp(exponent * log10(1 / sdA)). Results at t = until of
odeint(..., np.linspace(0, until, outputs)).
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import scipy

PUBLISHED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "published.json")


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--published", default=PUBLISHED,
                        help="the runs and their published errors (default: %(default)s)")
    return parser.parse_args()


def load_runs(path):
    """The 16 runs in the notebook's order: per config, clean then poisoned, per seed."""
    with open(path) as fh:
        doc = json.load(fh)
    runs = []
    for cfg in doc["configs"]:
        for r in cfg["runs"]:
            kind = "poisoned" if r["poisoned"] else "clean"
            runs.append({
                "name": cfg["name"], "length": cfg["length"], "dim": cfg["dim"], "sdA": cfg["sdA"],
                "diffExponent": cfg["diffExponent"], "seed": r["seed"], "poisoned": r["poisoned"],
                "until": cfg[kind]["until"], "outputs": cfg[kind]["outputs"],
                "published": r["publishedExtrapolationError"],
            })
    return runs


def official_init(d, sd_a, exponent, seed):
    diff = 0.05 / math.exp(exponent * math.log10(1.0 / sd_a))
    np.random.seed(seed)
    a0 = np.flip(np.sort(sd_a * np.random.rand(d)))
    a0[1] = a0[0] - diff
    return a0


def report(script, runs, errors, run_seconds, compute_seconds, import_seconds, extra_runs=None):
    """Prints ONE JSON line: per-run errors against the published ones, max relative diff, times."""
    rows = []
    for k, (r, err, sec) in enumerate(zip(runs, errors, run_seconds)):
        row = {"name": r["name"], "seed": r["seed"], "poisoned": r["poisoned"],
               "extrapolationError": err, "published": r["published"],
               "relDiff": abs(err - r["published"]) / abs(r["published"]), "seconds": sec}
        if extra_runs is not None:
            row.update(extra_runs[k])
        rows.append(row)
    out = {
        "script": script,
        "runs": rows,
        "maxRelDiff": max(row["relDiff"] for row in rows),
        "computeSeconds": compute_seconds,
        "importSeconds": import_seconds,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


clock = time.perf_counter
