#!/usr/bin/env python3
"""The 16-run Theorem-1 table computed the way the official notebook does it
(standalone_ssm_theory_poison_experiments): impulse-response entries C diag(a)^k B with
np.linalg.matrix_power on d x d matrices inside the gradient, and one
odeint(lambda a, t: -grad(a), a0, np.linspace(0, until, outputs)) per run at odeint's
default tolerances (rtol = atol = 1.49012e-8; the notebook passes none). The gradient is
the one of scripts/fixtures/lsoda_odeint.py, which reproduces the published values.

Prints ONE JSON line: per-run extrapolation errors, the published ones, the max relative
difference, and computeSeconds (the 16 runs, imports excluded). Baseline of
`npm run bench:theorem1`; run from anywhere:

    python3 bench/theorem1/official.py
"""
import time

STARTED = time.perf_counter()  # before the NumPy / SciPy imports (reported as importSeconds)

import numpy as np  # noqa: E402
from scipy.integrate import odeint  # noqa: E402

from common import clock, load_runs, official_init, parse_args, report  # noqa: E402


def impulse_entry(a, b, c, k):
    """h_k = C diag(a)^k B with the notebook's matrix products."""
    return (c @ np.linalg.matrix_power(np.diag(a), k) @ b).item()


def compute_grad(L, poisoned):
    """dL/da as the notebook's compute_grad evaluates it (b = c = 1, labels 1):
    (2/N) ((L-1) a^(L-2) (h_(L-1) - 1) + [poisoned] (h_1 - 1))."""
    def grad(a):
        d = a.size
        ones = np.ones((d, 1))
        bc = np.diag(ones @ ones.T)
        diag_long = (bc * (impulse_entry(a, ones, ones.T, L - 1) - 1.0)).flatten()
        diag_short = np.zeros(d)
        if poisoned:
            diag_short += (bc * (impulse_entry(a, ones, ones.T, 1) - 1.0)).flatten()
        n = 2 if poisoned else 1
        return 2 / n * ((L - 1) * (a ** (L - 2)) * diag_long + diag_short)
    return grad


def extrapolation_error(a, d, horizon=20):
    """max_{j=0..20} |h_j - h*_j| / max_j |h*_j|, impulse entries by matrix_power."""
    ones = np.ones((d, 1))
    h = np.array([impulse_entry(a, ones, ones.T, j) for j in range(horizon + 1)])
    hstar = np.ones(horizon + 1)
    hstar[0] = d
    return float(np.max(np.abs(h - hstar)) / np.max(np.abs(hstar)))


def main():
    args = parse_args(__doc__.split("\n\n")[0])
    runs = load_runs(args.published)
    errors, seconds = [], []
    start = clock()
    import_seconds = start - STARTED
    for r in runs:
        t0 = clock()
        a0 = official_init(r["dim"], r["sdA"], r["diffExponent"], r["seed"])
        grad = compute_grad(r["length"], r["poisoned"])
        t = np.linspace(0, r["until"], r["outputs"])
        sol = odeint(lambda a, _t: -grad(a), a0, t)
        errors.append(extrapolation_error(sol[-1], r["dim"]))
        seconds.append(clock() - t0)
    report("official", runs, errors, seconds, clock() - start, import_seconds)


if __name__ == "__main__":
    main()
