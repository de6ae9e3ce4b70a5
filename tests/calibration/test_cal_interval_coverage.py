"""The intervals cover the truth at about the nominal rate (a seeded simulation).

Scores ``s ~ Beta(2, 2)`` and outcomes ``y ~ Bernoulli(f(s))`` with a known
calibration function per group (group B's rates lower by 0.08 and flattened),
so the true observed rate of every bin and the true calibration-in-the-large
(``E[s] - E[f(s)]``) are known integrals. Over 300 simulated samples the 90 %
Wilson intervals of the bins and the 90 % bootstrap intervals of
calibration-in-the-large must cover the truth close to 90 % of the time (three
standard errors of a coverage estimate).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from audit.calibration import calibration_from_metrics
from audit.fairness import group_metrics

N_SIM = 300
CI = 0.90
BINS = 10
ROWS = {"A": 800, "B": 500}


def truth(s: np.ndarray, group: str) -> np.ndarray:
    return s if group == "A" else np.clip(0.04 + 0.8 * s, 0, 1)


def _true_values(group: str) -> tuple[float, np.ndarray]:
    pdf = stats.beta(2, 2).pdf
    mean_s = integrate.quad(lambda s: s * pdf(s), 0, 1)[0]
    mean_f = integrate.quad(lambda s: truth(np.array(s), group) * pdf(s), 0, 1)[0]
    rates = []
    for b in range(BINS):
        lo, hi = b / BINS, (b + 1) / BINS
        mass = integrate.quad(pdf, lo, hi)[0]
        rates.append(integrate.quad(lambda s: truth(np.array(s), group) * pdf(s), lo, hi)[0] / mass)
    return mean_s - mean_f, np.array(rates)


def test_wilson_and_bootstrap_intervals_have_nominal_coverage() -> None:
    rng = np.random.default_rng(20240611)
    expected = {g: _true_values(g) for g in ROWS}
    citl_hits = {g: 0 for g in ROWS}
    bin_hits = bin_total = 0
    for sim in range(N_SIM):
        groups = np.concatenate([np.full(n, g) for g, n in ROWS.items()])
        s = rng.beta(2, 2, size=groups.size)
        p = np.where(groups == "A", truth(s, "A"), truth(s, "B"))
        y = (rng.uniform(size=groups.size) < p).astype(int)
        gm = group_metrics(y, (s > 0.5).astype(int), sensitive_features=groups, y_score=s, ci=CI)
        res = calibration_from_metrics(gm, n_boot=400, random_state=sim)
        for g in ROWS:
            citl, rates = expected[g]
            low, high = (
                res.ci_low.loc[g, "calibration_in_the_large"],
                res.ci_high.loc[g, "calibration_in_the_large"],
            )
            citl_hits[g] += low <= citl <= high
            curve = res.curves.loc[g]
            filled = curve["count"].to_numpy() >= 20
            inside = (curve["ci_low"].to_numpy() <= rates) & (rates <= curve["ci_high"].to_numpy())
            bin_hits += int(inside[filled].sum())
            bin_total += int(filled.sum())
    se = np.sqrt(CI * (1 - CI) / N_SIM)
    for g, hits in citl_hits.items():
        assert abs(hits / N_SIM - CI) <= 3 * se, (g, hits / N_SIM)
    coverage = bin_hits / bin_total
    assert abs(coverage - CI) <= 3 * np.sqrt(CI * (1 - CI) / bin_total) + 0.01, coverage
