"""``audit_model``: build the context once, run the analyzers, collect the findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from audit._inputs import check_count, resolve_random_state
from audit._threads import limited_threads
from audit.analyzers import ANALYZERS, AnalyzerOutput, check_analyzer_options, run_analyzer
from audit.context import build_context
from audit.errors import InvalidParameterError
from audit.policy import Policy
from audit.report import AuditReport

__all__ = ["audit_model"]

_UNKNOWN_ANALYZER = "Unknown analyzer {name!r}. Available analyzers: {available}."
_BAD_ANALYZERS = "analyzers must be a list of analyzer names (any of {available}); got {kind}."
_BAD_POLICY = (
    "policy must be an audit.Policy (e.g. Policy(min_count=50) or "
    "Policy.from_pyproject()); got {kind}."
)


def check_analyzer_names(analyzers: Any) -> list[str]:
    """The analyzers to run: None (all, in report order), one name, or an iterable of names.

    Raises
    ------
    InvalidParameterError
        Not a name or an iterable of names, or a name that is not an analyzer.
    """
    available = ", ".join(ANALYZERS)
    if analyzers is None:
        return list(ANALYZERS)
    if isinstance(analyzers, str):
        names = [analyzers]  # one name, not its letters
    elif isinstance(analyzers, Iterable) and not isinstance(analyzers, Mapping):
        names = list(analyzers)
    else:
        raise InvalidParameterError(
            _BAD_ANALYZERS.format(available=available, kind=type(analyzers).__name__)
        )
    for analyzer_name in names:
        if not isinstance(analyzer_name, str) or analyzer_name not in ANALYZERS:
            raise InvalidParameterError(
                _UNKNOWN_ANALYZER.format(name=analyzer_name, available=available)
            )
    return names


def _check_settings(
    analyzers: Any, n_boot: Any, random_state: Any, policy: Any
) -> tuple[list[str], int | None, int]:
    """Validate the audit's settings before any work.

    Returns the analyzer names, n_boot and the seed to use (``random_state=None``
    draws a fresh one from OS entropy; see :func:`audit._inputs.resolve_random_state`).
    """
    if policy is not None and not isinstance(policy, Policy):
        raise InvalidParameterError(_BAD_POLICY.format(kind=type(policy).__name__))
    n_boot = check_count(n_boot, "n_boot", allow_none=True)
    seed = resolve_random_state(random_state)
    names = check_analyzer_names(analyzers)
    return names, n_boot, seed


def audit_model(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sensitive_features: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
    policy: Policy | None = None,
    analyzers: Iterable[str] | None = None,
    n_boot: int | None = None,
    random_state: int | None = 0,
    name: str | None = None,
    analyzer_options: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
    **adapter_options: Any,
) -> AuditReport:
    """Audit a trained model on a table with its sensitive columns.

    Parameters
    ----------
    model : estimator, Pipeline or torch.nn.Module
        A fitted scikit-learn classifier/regressor (or Pipeline), or a torch module.
    X : DataFrame (pandas, polars, pyarrow) or 2-D array
        The audit data. It may hold more columns than the model uses (e.g.
        sensitive attributes the model never saw).
    y : array-like or str, optional
        True labels / targets, or the name of the target column in X.
    sensitive_features : str, list of str, Series, DataFrame, array or dict, optional
        Names of columns in X, or values aligned with X's rows.
    sample_weight : array-like, optional
        Non-negative row weights.
    pos_label : object, optional
        Positive class of a binary task (default: the model's last class).
    policy : Policy, optional
        Thresholds (default: :class:`audit.Policy` defaults).
    analyzers : str or iterable of str, optional
        Which analyzers to run (default: every one in
        :data:`audit.analyzers.ANALYZERS`, in report order: ``data, fairness,
        calibration, thresholds, weights, importance, attributions, proxies,
        flip, slices``); one name may be given as a string. An analyzer that
        does not apply (no labels, no scores, not binary) is skipped with its
        reason.
    n_boot : int, optional
        Bootstrap replicates for fairness CIs and parity tests, ``>= 0``
        (default: ``policy.n_boot``, 1,000).
    random_state : int or None, default=0
        Seed (an int in ``[0, 2**32 - 1]``) for every random step, so the JSON
        record is reproducible. None draws a fresh seed from OS entropy (numpy's
        meaning); the seed actually used is recorded in ``report.random_state``
        and the JSON record, so the audit can be re-run with it.
    name : str, optional
        Display name of the model.
    analyzer_options : dict of dict, optional
        Settings per analyzer, e.g. ``{"attributions": {"max_rows": 500}}``.
    progress : callable, optional
        Called with a short message before each analyzer starts.
    **adapter_options
        Options for the torch adapter: ``task``, ``preprocess``, ``feature_names``,
        ``output``, ``threshold``, ``classes``.

    Returns
    -------
    AuditReport
        Findings (most severe first), each analyzer's result, and writers for
        HTML, JSON and Markdown.

    Raises
    ------
    InvalidParameterError
        A setting (``analyzers``, ``n_boot``, ``random_state``, ``policy``) of the
        wrong type or out of range; also a ``ValueError`` and a ``TypeError``.
    DataValidationError
        The data cannot be audited as given (subclasses name the problem:
        lengths, missing values, unknown columns, ...).
    UnsupportedModelError, NotFittedModelError, FeatureMismatchError
        The model is not auditable, not fitted, or trained on other columns.
    """
    names, n_boot, seed = _check_settings(analyzers, n_boot, random_state, policy)
    options_by_analyzer = check_analyzer_options(analyzer_options)
    policy = policy or Policy()
    if n_boot is not None:
        policy = policy.replace(n_boot=n_boot)
    options = dict(adapter_options)
    if name is not None:
        options["name"] = name
    outputs: dict[str, AnalyzerOutput] = {}
    # the model's predictions and the analyzers' evaluations run with thread pools sized
    # to the free CPUs (MODEL_AUDIT_THREADS overrides): no oversubscription on a busy machine
    with limited_threads():
        ctx = build_context(
            model,
            X,
            y,
            sensitive_features=sensitive_features,
            sample_weight=sample_weight,
            pos_label=pos_label,
            policy=policy,
            random_state=seed,
            adapter_options=options,
            analyzer_options=options_by_analyzer,
        )
        for analyzer_name in ANALYZERS:  # report order; analyzers share work through ctx only
            if analyzer_name not in names:
                continue
            if progress is not None:
                progress(analyzer_name)
            outputs[analyzer_name] = run_analyzer(analyzer_name, None, ctx)
    return AuditReport.from_context(ctx, outputs)
