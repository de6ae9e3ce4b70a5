"""Datasets shipped with model-audit, and synthetic generators with known ground truth.

* :func:`load_adult` — UCI Adult / Census Income (48,842 rows), sensitive: sex, race.
* :func:`load_german_credit` — UCI Statlog German credit (1,000 rows), sensitive: sex, age.
* :func:`load_sentiment` — short English reviews labelled positive / negative (CC0).
* :func:`make_biased_classification` — synthetic data with planted bias and a planted proxy.
"""

from audit.datasets._real import data_dir, load_adult, load_german_credit
from audit.datasets._sentiment import load_sentiment
from audit.datasets._synthetic import BiasedData, make_biased_classification

__all__ = [
    "BiasedData",
    "data_dir",
    "load_adult",
    "load_german_credit",
    "load_sentiment",
    "make_biased_classification",
]
