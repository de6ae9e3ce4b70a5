"""Plain-language glossary of the report: every metric it shows and every finding code.

Two registries, read by the HTML report, the model card and the tests:

* :data:`TERMS` — metrics and statistical terms (``selection_rate``, ``tpr``,
  ``ratio``, ``ci``, ...), each with a human label and a one-sentence definition;
  :func:`term` finds the entry of a column name (``tpr[1]`` is ``tpr``).
* :data:`EXPLANATIONS` — every finding code any analyzer can emit, with what it
  means for the people the model decides on and what the reviewer should check
  next. ``tests/report/test_report_glossary.py`` enumerates the codes the
  package can emit and fails when one has no entry here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Term", "Explanation", "TERMS", "EXPLANATIONS", "term", "explanation", "anchor"]


@dataclass(frozen=True)
class Term:
    """A glossary entry: the name used in tables, a human label and a definition."""

    name: str
    label: str
    definition: str


@dataclass(frozen=True)
class Explanation:
    """What a finding code means in plain language and what to check next."""

    code: str
    label: str
    meaning: str
    check: str


def _terms(*entries: tuple[str, str, str]) -> dict[str, Term]:
    return {name: Term(name, label, text) for name, label, text in entries}


TERMS: dict[str, Term] = _terms(
    # ---- group metrics (fairness)
    ("count", "count", "Rows in the group (weighted when sample weights are given)."),
    ("share", "share", "The group's share of all audited rows."),
    (
        "base_rate",
        "base rate",
        "Share of the group whose true label is the positive class — what the data says, "
        "before the model decides.",
    ),
    (
        "selection_rate",
        "selection rate",
        "Share of the group the model predicts positive (for example: approved, hired). "
        "Equal selection rates are demographic parity.",
    ),
    (
        "tpr",
        "true positive rate (TPR, recall)",
        "Of the people in the group who truly are positive, the share the model also "
        "predicts positive. A low TPR means qualified people are missed.",
    ),
    (
        "fpr",
        "false positive rate (FPR)",
        "Of the people in the group who truly are negative, the share the model still "
        "predicts positive.",
    ),
    (
        "fnr",
        "false negative rate (FNR)",
        "Of the truly positive people in the group, the share the model predicts negative "
        "(1 − TPR).",
    ),
    (
        "tnr",
        "true negative rate (TNR, specificity)",
        "Of the truly negative people in the group, the share the model predicts negative "
        "(1 − FPR).",
    ),
    (
        "precision",
        "precision (PPV)",
        "Of the people the model predicts positive, the share who truly are positive.",
    ),
    (
        "npv",
        "negative predictive value (NPV)",
        "Of the people the model predicts negative, the share who truly are negative.",
    ),
    ("accuracy", "accuracy", "Share of rows whose prediction equals the true label."),
    (
        "balanced_accuracy",
        "balanced accuracy",
        "The mean of TPR and TNR: accuracy that is not inflated by a majority class.",
    ),
    ("f1", "F1 score", "The harmonic mean of precision and TPR (0 to 1, higher is better)."),
    (
        "auc",
        "AUC",
        "Area under the ROC curve of the model's score: the chance that a random positive "
        "row scores above a random negative one (0.5 = chance, 1 = perfect).",
    ),
    (
        "brier",
        "Brier score",
        "Mean squared difference between the predicted probability and the 0/1 outcome "
        "(lower is better).",
    ),
    (
        "ece",
        "expected calibration error (ECE)",
        "Average gap between predicted probability and observed rate over score bins "
        "(lower is better).",
    ),
    ("mean_target", "mean target", "Mean of the true values in the group (regression)."),
    ("mean_prediction", "mean prediction", "Mean of the model's predictions in the group."),
    (
        "mean_residual",
        "mean residual",
        "Mean of prediction − truth: positive means the model over-predicts for the group.",
    ),
    ("mae", "mean absolute error (MAE)", "Mean of |prediction − truth| (lower is better)."),
    ("rmse", "root mean squared error (RMSE)", "Square root of the mean squared error."),
    ("r2", "R²", "Share of the variance of the target the model explains (1 is perfect)."),
    # ---- between-group statistics
    (
        "difference",
        "difference",
        "Highest minus lowest value of a metric among the groups with enough evidence; for "
        "rates it is shown in percentage points (pp).",
    ),
    (
        "ratio",
        "ratio",
        "Lowest divided by highest value of a metric among the groups with enough evidence "
        "(1 = parity). The four-fifths rule asks for at least 0.8.",
    ),
    (
        "four_fifths",
        "four-fifths rule",
        "US employment guidance: a group's selection rate below 80% of the most selected "
        "group's is evidence of adverse impact. The policy applies it to other rates too.",
    ),
    (
        "ci",
        "interval",
        "Bootstrap confidence interval: the range the value would plausibly take on another "
        "sample of the same population (95% by default).",
    ),
    (
        "p_adjusted",
        "adjusted p-value",
        "The parity test's p-value corrected for testing many pairs of groups (Holm's "
        "method by default); a disparity is critical only when it is below 1 − the CI level.",
    ),
    (
        "insufficient",
        "insufficient evidence",
        "A group whose relevant denominator (for example its truly positive rows, for TPR) "
        "is below the policy's minimum; its value is shown (marked †) but never judged.",
    ),
    (
        "demographic_parity",
        "demographic parity",
        "Equal selection rates across groups (fairlearn's name for the selection-rate "
        "difference and ratio).",
    ),
    (
        "equal_opportunity",
        "equal opportunity",
        "Equal true positive rates across groups: qualified people are approved equally "
        "often whatever their group.",
    ),
    (
        "equalized_odds",
        "equalized odds",
        "Equal true positive and false positive rates across groups; the worse of the two "
        "is reported.",
    ),
    (
        "effective_n",
        "effective number",
        "For weights: how many equally weighted features would hold the same concentration "
        "(1/HHI). For weighted rows: the effective sample size (Σw)²/Σw².",
    ),
    # ---- weights and explanations
    (
        "standardized",
        "standardized coefficient",
        "Coefficient × the standard deviation of its model column, so weights of features on "
        "different scales can be compared.",
    ),
    ("top_share", "top share", "Share of the total weight held by the single largest feature."),
    (
        "top_k_share",
        "top-k share",
        "Share of the total weight held by the k largest features together.",
    ),
    (
        "gini",
        "Gini coefficient",
        "Inequality of the weight across features: 0 when all hold the same, near 1 when one "
        "holds everything.",
    ),
    (
        "hhi",
        "Herfindahl index (HHI)",
        "Sum of squared shares of the weight; 1/n when equal, 1 when one feature holds all.",
    ),
    (
        "shap",
        "SHAP value",
        "A feature's contribution to one prediction, in the model's output units; the "
        "contributions of all features add up to the prediction minus the base value.",
    ),
    (
        "mean_abs",
        "mean |SHAP|",
        "Average absolute SHAP value of a feature: how much it moves predictions, either way.",
    ),
    (
        "mean_signed",
        "mean signed SHAP",
        "Average SHAP value: positive means the feature pushes this group towards the "
        "explained output (the positive class).",
    ),
    (
        "permutation",
        "permutation importance",
        "Drop in the model's score when one feature's values are shuffled.",
    ),
    (
        "drop_column",
        "drop-column importance",
        "Drop in the score when the model is refitted without the feature.",
    ),
    (
        "cramers_v",
        "Cramér's V",
        "Association between two categorical variables, from 0 (none) to 1 (one determines "
        "the other).",
    ),
    (
        "correlation_ratio",
        "correlation ratio (η)",
        "Association between a numeric feature and a categorical attribute, 0 to 1.",
    ),
    (
        "mi_normalized",
        "normalised mutual information",
        "How much knowing the feature tells about the attribute, 0 to 1.",
    ),
    (
        "reliance",
        "reliance",
        "The model's reliance on a feature: its share of the importance (mean |SHAP| or "
        "the weight analysis), used to rank features.",
    ),
    (
        "proxy_score",
        "proxy score",
        "Association with the sensitive attribute × the model's reliance on the feature.",
    ),
    (
        "near_zero",
        "near zero",
        "Share of a layer's weights whose magnitude is negligible.",
    ),
    (
        "spectral",
        "spectral norm",
        "Largest singular value of a weight matrix: how much the layer can stretch its input.",
    ),
    (
        "skewness",
        "skewness",
        "Asymmetry of the weight distribution (0 for a symmetric one).",
    ),
    (
        "kurtosis",
        "excess kurtosis",
        "Heaviness of the distribution's tails relative to a Gaussian (0 for a Gaussian).",
    ),
    (
        "scale_ratio",
        "scale ratio",
        "A layer's weight std divided by the std its initialization scheme (Xavier or He) "
        "would give; far from 1 means vanishing or exploding weights.",
    ),
    (
        "dead_unit",
        "dead unit",
        "A ReLU unit that outputs 0 for every audited row: it no longer contributes.",
    ),
    (
        "pp",
        "percentage points (pp)",
        "The unit of a difference between two percentages: 25% − 10% = 15 pp.",
    ),
)

_ALIASES = {
    "tpr_ci": "tpr",
    "excess_kurtosis": "kurtosis",
    "spectral_norm": "spectral",
    "permutation_pct": "permutation",
    "permutation_std": "permutation",
    "drop_column_pct": "drop_column",
    "coefficient": "standardized",
    "ci_low": "ci",
    "ci_high": "ci",
    "p_value": "p_adjusted",
    "association": "cramers_v",
    "value": "cramers_v",
    "dead_units": "dead_unit",
    "n_dead": "dead_unit",
    "dead_fraction": "dead_unit",
}
_PER_CLASS = re.compile(r"^(?P<base>[A-Za-z_]+)\[.*\]$")


def term(name: object) -> Term | None:
    """The glossary entry of a metric, column or statistic name, or None.

    ``"tpr[1]"`` (a per-class metric) and ``"race: tpr"`` (a marginal's subject)
    resolve to ``"tpr"``; ``"selection_rate.ratio"`` (a fact) to ``"selection_rate"``.
    """
    if not isinstance(name, str):
        return None
    key = name.strip().split(": ")[-1].split(".")[0].replace(" ", "_")
    match = _PER_CLASS.match(key)
    if match:
        key = match.group("base")
    key = key.lower()
    key = _ALIASES.get(key, key)
    return TERMS.get(key)


def anchor(name: object) -> str:
    """The id of a term's glossary entry (``term-tpr``), or ``""`` when it has none."""
    entry = term(name)
    return f"term-{entry.name}" if entry is not None else ""


def _explain(*entries: tuple[str, str, str, str]) -> dict[str, Explanation]:
    return {
        code: Explanation(code, label, meaning, check) for code, label, meaning, check in entries
    }


EXPLANATIONS: dict[str, Explanation] = _explain(
    (
        "disparity_ratio",
        "Disparity (ratio)",
        "One group gets this outcome far less often than another: the lower rate is below "
        "the policy's share (four-fifths rule) of the higher one.",
        "Check whether the gap is explained by legitimate factors (base rates, qualifications); "
        "look at the proxies and the SHAP-by-group section for the features that drive it; "
        "decide whether a threshold per group or retraining is warranted.",
    ),
    (
        "disparity_difference",
        "Disparity (difference)",
        "A rate differs between two groups by more than the policy allows, in percentage points.",
        "Compare with the base rates of the same groups (a gap in the data is not always a gap "
        "the model adds); check the interval: a wide one means more data is needed.",
    ),
    (
        "insufficient_evidence",
        "Insufficient evidence",
        "Some groups have too few rows for this metric to be judged; they neither pass nor "
        "fail, so a disparity could be hidden there.",
        "Collect more data for the named groups, or merge categories, before relying on "
        "this audit for them.",
    ),
    (
        "imbalanced_weights",
        "Imbalanced weights",
        "One feature carries most of the model's weight, so predictions hinge on it.",
        "Check that the feature is legitimate, stable over time, and not a leak of the target.",
    ),
    (
        "imbalanced_attributions",
        "Imbalanced attributions",
        "One feature carries most of the SHAP attribution: decisions mostly depend on it.",
        "Check that the feature is legitimate and not a stand-in for a sensitive attribute.",
    ),
    (
        "sensitive_attribute_used",
        "Sensitive attribute used",
        "The model takes a sensitive attribute as an input with non-negligible weight: it can "
        "treat otherwise identical people differently because of it.",
        "Check that using the attribute is lawful and intended; if not, retrain without it and "
        "re-audit for proxies.",
    ),
    (
        "proxy",
        "Proxy of a sensitive attribute",
        "A feature strongly associated with a sensitive attribute is among the model's top "
        "features: it can carry the attribute into decisions even if the attribute is removed.",
        "Check whether the feature is needed; compare outcomes with and without it (see the "
        "counterfactual flip test where it ran).",
    ),
    (
        "proxy_encoding",
        "Encoding of a sensitive attribute",
        "A feature is (almost) a re-encoding of a sensitive attribute: the model effectively "
        "sees the attribute.",
        "Treat the feature as the attribute itself: remove it or justify its use.",
    ),
    (
        "shap_additivity_failed",
        "SHAP additivity failed",
        "The SHAP values do not add up to the model's output, so the explanations cannot be "
        "trusted as computed.",
        "Check the explainer choice and the model output being explained; rerun with another "
        "explainer before using these attributions.",
    ),
    (
        "attribution_gap",
        "Attribution gap between groups",
        "A feature drives decisions for one group far more than for another: the model "
        "reasons differently by group.",
        "Check why the feature matters more for that group and whether it is a proxy.",
    ),
    (
        "importance_disagreement",
        "Importance methods disagree",
        "Different importance methods rank the features differently, so any single ranking is "
        "uncertain.",
        "Prefer conclusions that hold under every method; look for correlated features.",
    ),
    (
        "vanishing_weights",
        "Vanishing weights",
        "A layer's weights are far smaller than its initialization scale: signals and gradients "
        "shrink through it, so the layer may have stopped learning.",
        "Check the initialization (Xavier / He), the learning rate and weight decay; look for "
        "dead units downstream.",
    ),
    (
        "exploding_weights",
        "Exploding weights",
        "A layer's weights are far larger than its initialization scale: outputs and gradients "
        "can blow up, and predictions become unstable.",
        "Check the learning rate, gradient clipping and regularization (L2, dropout).",
    ),
    (
        "dead_units",
        "Dead units",
        "ReLU units that are never active on the audited data: that capacity is lost.",
        "Check the initialization and learning rate; consider LeakyReLU or fewer units.",
    ),
    (
        "analyzer_failed",
        "Analysis failed",
        "An analysis could not run, so its checks are missing from this report.",
        "Read the reason in the section; fix the input or install the missing extra, and rerun.",
    ),
    (
        "calibration_gap",
        "Calibration gap",
        "For one group, the predicted probabilities do not match how often the outcome "
        "happens: a score of 0.7 does not mean the same thing for everyone.",
        "Check the reliability curves by group; consider recalibrating per group.",
    ),
    (
        "counterfactual_flip",
        "Counterfactual flip",
        "Changing only a person's sensitive attribute changes the model's decision for a "
        "measurable share of people.",
        "Check why the model uses the attribute; retrain without it and re-run the flip test.",
    ),
    (
        "counterfactual_flip_proxy",
        "Counterfactual flip (with proxies)",
        "Changing a person's sensitive attribute together with its proxies changes the "
        "decision for a measurable share of people.",
        "Check the proxies named in the section and whether the model should rely on them.",
    ),
    (
        "weak_slice",
        "Weak slice",
        "A subgroup defined by a few feature values (for example age 60+ and region north) "
        "gets much worse results than the rest of the data, beyond chance.",
        "Check the slice's size and interval; see whether it overlaps a sensitive group; "
        "collect data or review the features that define it.",
    ),
    (
        "under_representation",
        "Under-represented group",
        "A group is a very small share of the data, so the model and this audit know little "
        "about it.",
        "Collect more data for the group, or compare with a reference population.",
    ),
    (
        "label_imbalance",
        "Label imbalance between groups",
        "The true outcome's rate differs strongly between groups in the data itself, before "
        "the model.",
        "Check how the labels were produced: past decisions can encode past bias.",
    ),
)


def explanation(code: str) -> Explanation:
    """The registered explanation of a finding code (a neutral one for an unknown code)."""
    found = EXPLANATIONS.get(code)
    if found is not None:
        return found
    label = code.replace("_", " ").capitalize()
    return Explanation(code, label, "", "Read the finding's message and evidence.")
