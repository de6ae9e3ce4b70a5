"""The ``model-audit`` command: ``demo``, ``run``, ``fairness``, ``check`` and ``scan``.

Exit codes: 0 = no gate failed, 1 = a gate failed, 2 = usage or data error.
``run`` (a model on a table) and ``fairness`` (logged predictions, no model)
always apply a gate: ``--fail-on``, else the policy's rules, else the
default (:data:`DEFAULT_RUN_GATE`: fail on critical findings); ``--fail-on none``
turns it off. Every output is written as one set per folder and never over a
file model-audit did not write (unless ``--force``); every user string is made
inert before it is printed (:func:`audit._terminal_text.term_text`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import AuditError, ModelFileError, ReportWriteError

__all__ = [
    "DEFAULT_RUN_GATE",
    "EXIT_GATE_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAX_ROWS_IN_MEMORY",
    "main",
]

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
SEVERITY_GATES = ("critical", "warning", "info")
NO_GATE = "none"
DEFAULT_RUN_GATE = ("findings.critical == 0",)
"""The gate of ``run`` when neither ``--fail-on`` nor the policy's ``rules`` set one."""

_GATE_DEFAULT = (
    "gate: default, fail on critical findings (findings.critical == 0); change it with "
    "--fail-on RULE|warning|info|none or rules in [tool.model-audit]"
)
_GATE_NONE = (
    "gate: none (--fail-on none): the exit code does not depend on the findings; "
    "--fail-on RULE|critical|warning|info sets a gate"
)
_GATE_FAIL_ON = "gate: --fail-on {rules}"
_GATE_BASELINE = "gate: the baseline comparison only (--baseline); --fail-on RULE adds rules"
_GATE_POLICY = (
    "gate: the rules of [tool.model-audit] in {source}: {rules}; --fail-on overrides them"
)
_NONE_WITH_RULES = (
    "--fail-on none turns the gate off, so it cannot be combined with other --fail-on "
    "values; got {values}."
)
_SAME_OUTPUT = "{first} and {second} are the same file ({path}); give them different paths."
_BASELINE_OTHER = (
    "The baseline {path} {what}, so its disparities are not comparable with this audit's. "
    "Use a baseline of the same data and sensitive attributes, or pass "
    "--allow-other-baseline to compare anyway."
)
_OTHER_SENSITIVE = "audited the sensitive attribute(s) {old} and this audit {new}"
_OTHER_DATA = "was computed on other data (data hash {old}; this audit's is {new})"

_NO_SENSITIVE = (
    "--sensitive needs at least one column name (comma-separated, e.g. --sensitive sex,race); "
    "got {value!r}."
)
_NO_CONFIG = "Config file not found: {path} (--config expects a pyproject.toml)."
_OUT_NOT_FOLDER = "Cannot write reports to {path}: it exists and is not a folder."
_OUT_NOT_CREATED = "Cannot create the output folder {path}: {error}."
_OUT_NOT_WRITABLE = "Cannot write reports to {path}: {error}."
_FILE_IS_FOLDER = "Cannot write {option} {path}: it is a folder; give a file name."
_FILE_NOT_WRITABLE = "Cannot write {option} {path}: {error}."
_UNDER_A_FILE = "{ancestor} is a file, not a folder"
_NO_ENTRIES = "nothing can be created in {folder} ({error})"
_NOT_FOUND = "{kind} file not found: {path}."
_BASELINE_UNREADABLE = "Cannot read the baseline {path}: {error}"
_BASELINE_NOT_RECORD = "The baseline {path} is JSON but not an audit record written by model-audit."
_NOT_A_COUNT = "must be an int >= 0; got {value!r}"
_NOT_A_TOLERANCE = "must be a number >= 0; got {value!r}"
_NOT_POSITIVE = "must be an int >= 1; got {value!r}"
MAX_ROWS_IN_MEMORY = 2_000_000
"""``run`` audits a Parquet file of more rows than this out of core (``--max-rows-in-memory``)."""
_OOC_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_OOC_FILE_TYPE = (
    "An out-of-core audit reads a Parquet or CSV file (.parquet, .pq, .csv, .tsv); {path} is "
    "not one. Convert it to Parquet, or leave out --out-of-core."
)
_OOC_NO_DUCKDB = (
    "{why}: an out-of-core audit needs DuckDB, which is not installed ({error}). Install it "
    "with pip install 'model-audit[duckdb]'{alternative}."
)
_OOC_RAISE_LIMIT = ", or raise --max-rows-in-memory to read the whole file into memory"
_OOC_UNREADABLE = "Could not read {path} as {suffix}: {error}"
_OOC_NO_PYARROW = (
    "Reading {path} needs pyarrow, a dependency of model-audit that is missing or unusable "
    "here ({error}). Install it with pip install 'pyarrow>=15' (or reinstall model-audit), "
    "or pass the data as CSV."
)
_INTERNAL = (
    "model-audit: internal error: {kind}: {message} This is a bug in model-audit or in the "
    "model it ran; run again with --debug for the traceback, and please report it."
)


def _count(text: str) -> int:
    """argparse type: an int >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(_NOT_A_COUNT.format(value=text))
    return value


def _positive(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_NOT_POSITIVE.format(value=text))
    return value


def _tolerance(text: str) -> float:
    """argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(_NOT_A_TOLERANCE.format(value=text))
    return value


def _nearest_existing(path: Path) -> Path:
    """The path itself, or its closest ancestor that exists."""
    current = path.absolute()
    while not current.exists() and current.parent != current:
        current = current.parent
    return current


def _cannot_create_in(folder: Path) -> str | None:
    """None when entries can be created in ``folder``, else why not (a probe, removed at once)."""
    if not folder.is_dir():
        return _UNDER_A_FILE.format(ancestor=folder)
    try:
        probe = tempfile.mkdtemp(prefix=".model-audit-probe-", dir=folder)
    except OSError as exc:
        return _NO_ENTRIES.format(folder=folder, error=exc.strerror or exc)
    os.rmdir(probe)
    return None


def _check_out(path: Path) -> Path:
    """Refuse an output folder that cannot be used, before any work; create nothing.

    The folder must be an existing, writable folder, or creatable under its
    closest existing ancestor.
    """
    if path.exists() and not path.is_dir():
        raise ReportWriteError(_OUT_NOT_FOLDER.format(path=path))
    problem = _cannot_create_in(_nearest_existing(path))
    if problem is not None:
        template = _OUT_NOT_WRITABLE if path.is_dir() else _OUT_NOT_CREATED
        raise ReportWriteError(template.format(path=path, error=problem))
    return path


def _out_folder(path: Path) -> Path:
    """Create the output folder (and its parents), or say clearly why it cannot be."""
    _check_out(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportWriteError(
            _OUT_NOT_CREATED.format(path=path, error=exc.strerror or exc)
        ) from exc
    return path


def _check_file_target(option: str, value: str | None, force: bool = False) -> Path | None:
    """Refuse an output file (``--junit-xml``, ``--markdown``) that cannot be written.

    Also refused, before any work: an existing file that model-audit did not
    write (:func:`audit.report.check_replaceable`), unless ``force``.
    """
    from audit.report import check_replaceable

    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise ReportWriteError(_FILE_IS_FOLDER.format(option=option, path=path))
    problem = _cannot_create_in(_nearest_existing(path.parent))
    if problem is not None:
        raise ReportWriteError(_FILE_NOT_WRITABLE.format(option=option, path=path, error=problem))
    return check_replaceable(path, overwrite=force)


def _check_distinct(named: dict[str, Path | None]) -> None:
    """Two outputs of one run must not be the same file."""
    seen: dict[str, str] = {}
    for name, path in named.items():
        if path is None:
            continue
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            raise AuditError(_SAME_OUTPUT.format(first=seen[key], second=name, path=path))
        seen[key] = name


def _write_outputs(texts: dict[Path, str], force: bool) -> None:
    """Write every output of a command, one set per folder (created first if needed).

    The files of one folder are written by :func:`audit.report.write_outputs_atomic`
    under that folder's lock, so concurrent runs never leave a mixed set.
    """
    from audit.report import write_outputs_atomic

    by_folder: dict[Path, dict[Path, str]] = {}
    for path, text in texts.items():
        by_folder.setdefault(path.parent, {})[path] = text
    for folder, files in by_folder.items():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReportWriteError(
                _OUT_NOT_CREATED.format(path=folder, error=exc.strerror or exc)
            ) from exc
        write_outputs_atomic(files, overwrite=force)


def _check_input_file(path_text: str, kind: str) -> None:
    """A model or data file must exist before anything is loaded (a folder is the loader's)."""
    path = Path(path_text)
    if not path.exists():
        raise ModelFileError(_NOT_FOUND.format(kind=kind, path=path))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors too
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _console() -> Any:
    """The terminal console: no markup, no emoji codes, no highlighting of user strings.

    Everything printed that holds a user string also goes through
    :func:`audit._terminal_text.term_text` (escape sequences, control characters).
    """
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True, markup=False, emoji=False)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="model-audit", description="Fairness and interpretability audits of trained models."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = sub.add_parser(
        "demo", help="train three models on the bundled Adult data and audit them"
    )
    demo.add_argument("--out", default="reports/demo", help="output folder (default: reports/demo)")
    demo.add_argument(
        "--no-torch", action="store_true", help="skip the torch MLP even if torch is installed"
    )
    demo.add_argument("--seed", type=_count, default=0, help="random seed (default 0)")

    run = sub.add_parser("run", help="audit a saved model on a CSV or Parquet file")
    run.add_argument(
        "--model", required=True, help="model file (.skops, or .pkl/.joblib with --trusted)"
    )
    run.add_argument("--data", required=True, help="data file (.csv or .parquet)")
    run.add_argument("--target", required=True, help="name of the target column")
    run.add_argument(
        "--sensitive",
        required=True,
        help="sensitive column(s), comma-separated; a CSV's group codes are kept as written, "
        "so 01 and 1 stay two groups",
    )
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--name", default=None, help="display name of the model")
    run.add_argument(
        "--trusted",
        action="store_true",
        help="allow loading pickles / untrusted skops types (runs code from the file)",
    )
    _add_gate_options(run)
    run.add_argument(
        "--model-card",
        action="store_true",
        help="also write <model>.model-card.md (Mitchell et al. 2019 sections, from the audit)",
    )
    run.add_argument("--n-boot", type=_count, default=None, help="bootstrap replicates for CIs")
    run.add_argument("--seed", type=_count, default=0, help="random seed (default 0)")
    _add_out_of_core_options(run)
    _add_force(run)
    fairness = sub.add_parser(
        "fairness",
        help="audit logged predictions (no model) in a Parquet or CSV file",
        description="Group fairness of logged predictions: no model is loaded; the file is "
        "counted per group by its engine. Same report, JSON record, gates and exit codes as run.",
    )
    fairness.add_argument("--data", required=True, help="predictions file (.parquet or .csv)")
    fairness.add_argument("--y-true", required=True, help="column of the true outcome")
    fairness.add_argument("--y-pred", required=True, help="column of the logged prediction")
    fairness.add_argument("--y-score", default=None, help="column of the positive-class score")
    fairness.add_argument("--sensitive", required=True, help="sensitive column(s), comma-separated")
    fairness.add_argument("--weight", default=None, help="column of the sample weights")
    fairness.add_argument(
        "--pos-label",
        default=None,
        help="positive class of a binary task, as written in the file (a number is tried first)",
    )
    fairness.add_argument(
        "--engine",
        default=None,
        choices=_prediction_engines(),
        help="what opens and counts the file (default: duckdb if installed, else polars, "
        "else pandas)",
    )
    fairness.add_argument("--out", default="reports", help="output folder (default: reports)")
    fairness.add_argument(
        "--name", default=None, help="display name (default: the file name without suffix)"
    )
    _add_gate_options(fairness)
    fairness.add_argument(
        "--model-card",
        action="store_true",
        help="also write <name>.model-card.md (Mitchell et al. 2019 sections, from the audit)",
    )
    fairness.add_argument(
        "--n-boot", type=_count, default=None, help="bootstrap replicates for CIs"
    )
    fairness.add_argument("--seed", type=_count, default=0, help="random seed (default 0)")
    _add_force(fairness)
    check = sub.add_parser("check", help="gate a saved audit record (JSON)")
    check.add_argument("record", help="an audit record written by run/demo/to_json()")
    _add_gate_options(check)
    _add_force(check)
    # --- scan (model files) -------------------------------------------------------------------
    scan = sub.add_parser(
        "scan",
        help="list what a model file would import or call, without loading it",
        description="Report what a model file (pickle, joblib, torch, skops, safetensors) would "
        "import or call, without loading or running it. Exit 0: every import is known safe; "
        "1: a dangerous import (or, with --strict, an unknown one); 2: not a readable model "
        "file. Unknown imports exit 0 with a warning.",
    )
    scan.add_argument("file", help="the model file")
    scan.add_argument("--strict", action="store_true", help="exit 1 on unknown imports too")
    scan.add_argument("--json", action="store_true", help="print the result as JSON")
    scan.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    # --- end scan ------------------------------------------------------------------------------
    for command in (demo, run, fairness, check):  # --debug after the command works too
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def _prediction_engines() -> tuple[str, ...]:
    from audit._audit_predictions import ENGINES

    return ENGINES


def _add_out_of_core_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out-of-core",
        action="store_true",
        help="read the data in batches (DuckDB), never the whole file at once: fairness and "
        "calibration on all rows, the other analyses on a stratified sample (automatic for a "
        "Parquet file of more rows than --max-rows-in-memory)",
    )
    p.add_argument(
        "--max-rows-in-memory",
        type=_count,
        default=MAX_ROWS_IN_MEMORY,
        metavar="N",
        help="a Parquet file of more rows is audited out of core "
        f"(default {MAX_ROWS_IN_MEMORY:,}; read from the file's metadata)",
    )
    p.add_argument(
        "--batch-rows",
        type=_positive,
        default=100_000,
        metavar="N",
        help="out of core: rows read and scored at once (default 100,000)",
    )
    p.add_argument(
        "--sample-rows",
        type=_positive,
        default=50_000,
        metavar="N",
        help="out of core: rows of the stratified sample for the analyses that need rows "
        "(default 50,000)",
    )


def _add_force(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="replace output files that model-audit did not write (refused by default)",
    )


def _add_gate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="RULE",
        help="a rule such as 'selection_rate.ratio >= 0.8' (repeatable), or a severity "
        f"({', '.join(SEVERITY_GATES)}): exit 1 when a finding that severe or worse exists; "
        f"'{NO_GATE}' turns the gate off (run's default: fail on critical findings)",
    )
    p.add_argument(
        "--baseline",
        default=None,
        metavar="OLD.json",
        help="fail when a disparity got worse than in this earlier audit record",
    )
    p.add_argument(
        "--tolerance",
        type=_tolerance,
        default=0.02,
        help="how much worse than the baseline a disparity may get (default 0.02)",
    )
    p.add_argument(
        "--allow-other-baseline",
        action="store_true",
        help="compare with a baseline of other data or other sensitive attributes "
        "(refused by default)",
    )
    p.add_argument(
        "--config",
        default=None,
        metavar="PYPROJECT",
        help="pyproject.toml with [tool.model-audit] (default: found from the cwd)",
    )
    p.add_argument("--junit-xml", default=None, metavar="PATH", help="write a JUnit XML file")
    p.add_argument("--markdown", default=None, metavar="PATH", help="write a Markdown summary")


def _print_summary(console: Any, reports: Sequence[Any], paths: Sequence[Path]) -> None:
    from rich.table import Table

    from audit._terminal_text import term_text

    table = Table(title="model-audit")
    for col in ("model", "verdict", "critical", "warning", "info", "insufficient"):
        table.add_column(col)
    for rep in reports:
        c = rep.counts
        table.add_row(
            term_text(rep.model["name"]),  # console markup is off: printed as it is
            rep.verdict.upper(),
            str(c["critical"]),
            str(c["warning"]),
            str(c["info"]),
            str(c["insufficient_evidence"]),
        )
    console.print(table)
    for path in paths:
        console.print(f"report: {term_text(path)}", highlight=False)


def _rules_from(
    args: argparse.Namespace, policy: Any, default: Sequence[str] = ()
) -> tuple[list[str], str | None]:
    """The rules of the gate, and the line saying which gate applied (None: no gate).

    ``--fail-on`` wins; else the policy's ``rules``; else ``default``.
    ``--fail-on none`` alone turns the gate off.
    """
    words = [item.strip().lower() for item in args.fail_on]
    if NO_GATE in words:
        if len(words) > 1:
            raise AuditError(_NONE_WITH_RULES.format(values=args.fail_on))
        return [], _GATE_NONE
    rules = []
    for item, word in zip(args.fail_on, words, strict=True):
        if word in SEVERITY_GATES:
            worse = SEVERITY_GATES[: SEVERITY_GATES.index(word) + 1]
            rules += [f"findings.{sev} == 0" for sev in worse]
        else:
            rules.append(item)
    if rules:
        return rules, _GATE_FAIL_ON.format(rules="; ".join(args.fail_on))
    if policy.rules:
        source = args.config or "pyproject.toml (found from the current folder)"
        return list(policy.rules), _GATE_POLICY.format(source=source, rules="; ".join(policy.rules))
    if default:
        return list(default), _GATE_DEFAULT
    return [], None


def _checked_rules(
    args: argparse.Namespace, policy: Any, extra: Any = (), default: Sequence[str] = ()
) -> tuple[list[Any], str | None]:
    """Parse the rules and check their metric names, before any work.

    Every rule source (``--fail-on``, the policy's ``rules``, the default gate)
    is checked against every fact a run can publish
    (:func:`audit.rules.known_fact_names`) plus ``extra`` (the facts of a saved
    record); an unknown name is a usage error naming the closest one. Returns the
    parsed rules and the line saying which gate applied.
    """
    from audit.rules import known_fact_names, parse_rules

    texts, line = _rules_from(args, policy, default)
    return parse_rules(texts, known=known_fact_names() | set(extra)), line


def _policy(args: argparse.Namespace) -> Any:
    from audit.policy import Policy

    if args.config and not Path(args.config).exists():
        raise AuditError(_NO_CONFIG.format(path=args.config))
    return Policy.from_pyproject(args.config) if args.config else Policy.from_pyproject()


def _read_baseline(args: argparse.Namespace) -> tuple[dict, dict] | None:
    """The record and the facts of ``--baseline``, read before any work (None without one)."""
    import json

    from audit.facts import facts_from_record

    if not args.baseline:
        return None
    path = Path(args.baseline)
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditError(_BASELINE_UNREADABLE.format(path=path, error=exc)) from exc
    if not isinstance(old, dict) or old.get("generator") != "model-audit":
        raise AuditError(_BASELINE_NOT_RECORD.format(path=path))
    return old, facts_from_record(old)


def _record_data(record: dict) -> dict:
    data = record.get("data")
    return data if isinstance(data, dict) else {}


def _check_baseline_sensitive(
    args: argparse.Namespace, baseline: tuple[dict, dict] | None, sensitive: Sequence[str]
) -> None:
    """Refuse a baseline that audited other sensitive attributes (unless allowed)."""
    if baseline is None or args.allow_other_baseline:
        return
    old = _record_data(baseline[0]).get("sensitive")
    old_names = sorted(map(str, old)) if isinstance(old, dict) else []
    if old_names != sorted(map(str, sensitive)):
        what = _OTHER_SENSITIVE.format(old=old_names, new=sorted(map(str, sensitive)))
        raise AuditError(_BASELINE_OTHER.format(path=args.baseline, what=what))


def _check_baseline_data(
    args: argparse.Namespace, baseline: tuple[dict, dict] | None, record: dict
) -> None:
    """Refuse a baseline of other data (its data hash differs; unless allowed)."""
    if baseline is None or args.allow_other_baseline:
        return
    _check_baseline_sensitive(args, baseline, list(_record_data(record).get("sensitive") or ()))
    old = _record_data(baseline[0]).get("data_hash")
    new = _record_data(record).get("data_hash")
    if old is None or old != new:
        what = _OTHER_DATA.format(old=old or "missing", new=new or "missing")
        raise AuditError(_BASELINE_OTHER.format(path=args.baseline, what=what))


def _check_gate_outputs(args: argparse.Namespace) -> dict[str, Path | None]:
    """Check ``--junit-xml`` and ``--markdown`` before any work."""
    return {
        "junit_xml": _check_file_target("--junit-xml", args.junit_xml, args.force),
        "markdown": _check_file_target("--markdown", args.markdown, args.force),
    }


class _Outcome:
    """What the gate found: rule results, baseline comparison, and the line that says which."""

    def __init__(
        self,
        rules: list[Any],
        gate_line: str | None,
        baseline: tuple[dict, dict] | None,
        args: argparse.Namespace,
        record: dict,
        facts: dict,
        policy: Any,
    ) -> None:
        from audit.gates import baseline_changes, check_rules, compare_to_baseline

        self.record, self.gate_line, self.policy = record, gate_line, policy
        self.gate = check_rules(rules, facts, policy) if rules else None
        self.baseline_path = args.baseline
        self.tolerance = args.tolerance
        self.regressions: list[Any] = []
        self.compared: list[str] = []
        self.appeared: list[str] = []
        self.disappeared: list[str] = []
        if baseline is not None:
            self.regressions, self.compared = compare_to_baseline(
                facts, baseline[1], tolerance=args.tolerance, policy=policy
            )
            self.appeared, self.disappeared = baseline_changes(facts, baseline[1], policy=policy)

    @property
    def failed(self) -> bool:
        """Whether a rule failed or a disparity regressed (exit 1)."""
        return (self.gate is not None and not self.gate.passed) or bool(self.regressions)

    def texts(self, outputs: dict[str, Path | None]) -> dict[Path, str]:
        """The JUnit XML and Markdown files asked for, by path."""
        from audit.gates import junit_xml, markdown_summary

        texts: dict[Path, str] = {}
        if outputs["junit_xml"] is not None:
            texts[outputs["junit_xml"]] = junit_xml(
                self.gate,
                self.regressions,
                self.compared,
                record=self.record,
                disappeared=self.disappeared,
            )
        if outputs["markdown"] is not None:
            texts[outputs["markdown"]] = markdown_summary(
                self.gate,
                self.regressions,
                record=self.record,
                gate_line=self.gate_line,
                compared=self.compared,
                appeared=self.appeared,
                disappeared=self.disappeared,
            )
        return texts

    def print(self, console: Any) -> int:
        """Print the gate's table, the baseline summary and the verdict; return the exit code."""
        from audit._terminal_text import term_text

        if self.gate_line:
            console.print(term_text(self.gate_line))
        if self.gate is not None:
            console.print(_safe_table(self.gate), highlight=False)
        if self.baseline_path is not None:
            console.print(
                term_text(
                    f"baseline {self.baseline_path}: {len(self.compared)} metric(s) compared "
                    f"(tolerance {self.tolerance:g}), {len(self.regressions)} regression(s)"
                )
            )
            for reg in self.regressions:
                console.print(term_text(f"regression: {reg.message}"))
            for path in self.appeared:
                console.print(term_text(f"appeared since the baseline: {path}"))
            for path in self.disappeared:
                console.print(term_text(f"disappeared since the baseline (not compared): {path}"))
        if self.failed:
            console.print("gate failed", style="bold red")
            return EXIT_GATE_FAILED
        if self.gate is not None or self.baseline_path is not None:
            console.print("gate passed", style="bold green")
        return EXIT_OK


def _safe_table(gate: Any) -> str:
    """``gate.table()`` with every user string in it (class labels, groups) made inert."""
    import dataclasses

    from audit._terminal_text import term_text
    from audit.gates import GateResult, RuleResult

    results = []
    for r in gate.results:
        fact = r.fact
        if fact is not None:
            fact = dataclasses.replace(
                fact,
                path=term_text(fact.path),
                groups=term_text(fact.groups),
                insufficient=tuple(term_text(g) for g in fact.insufficient),
            )
        rule = dataclasses.replace(r.rule, path=term_text(r.rule.path), text=term_text(r.rule.text))
        results.append(RuleResult(rule, r.status, fact))
    return GateResult(tuple(results), gate.policy).table()


def _print_record(console: Any, record: dict) -> None:
    """One line: the record's model, verdict and counts (``check``)."""
    from audit._terminal_text import term_text

    model = record.get("model") if isinstance(record.get("model"), dict) else {}
    counts = record.get("counts") if isinstance(record.get("counts"), dict) else {}
    parts = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("critical", "warning", "info"))
    console.print(
        term_text(
            f"record: {model.get('name', '?')}: verdict {str(record.get('verdict', '?')).upper()} "
            f"({parts}, {counts.get('insufficient_evidence', 0)} insufficient evidence)"
        )
    )


def _check_columns(names: Sequence[Any], path: str, target: str, sensitive: Sequence[str]) -> None:
    """``--target`` and ``--sensitive`` must name columns of the data, checked before the audit.

    ``names`` are the file's column names (of the table read, or of its schema
    only). The suggestion is the closest of ALL the file's columns
    (:mod:`difflib`, case-insensitive) and every column is listed.
    """
    from audit._frames import closest_name
    from audit.errors import UnknownColumnError

    columns = [str(c) for c in names]
    for role, names in (("target", [target]), ("sensitive_features", list(sensitive))):
        for name in names:
            if name in columns:
                continue
            close = closest_name(name, columns)
            hint = f" Did you mean {close!r}?" if close is not None else ""
            listed = ", ".join(repr(c) for c in columns)
            raise UnknownColumnError(
                f"Unknown column {name!r} in X ({role}).{hint} Available columns: {listed} "
                f"({len(columns)} in {path})."
            )


def _sensitive_values(path: str, frame: Any, names: list[str], target: str | None) -> Any:
    """The sensitive columns, with codes that pandas' typing would rewrite read as text.

    Group codes are labels: a column whose typed reading changes how a code is
    written (``01`` and ``1`` both become the number 1, ``007`` becomes 7) is
    taken as text, exactly as in the file, so ``01`` and ``1`` stay two groups.
    Other sensitive columns are used as typed, and the model always sees
    ``frame``'s typed columns. Names that are repeated, unknown or the target are
    passed on as names, so the audit reports them with its usual message.
    """
    import pandas as pd

    from audit._tabular import read_text_columns

    if len(set(names)) != len(names) or target in names:
        return names
    if any(name not in frame.columns for name in names):
        return names
    text = read_text_columns(path, names)
    if text is None:
        return names
    rewritten = []
    for name in names:
        written = text[name].notna().to_numpy()
        typed = frame[name][written].astype(str).to_numpy()
        if (typed != text[name][written].to_numpy()).any():
            rewritten.append(name)
    if not rewritten:
        return names
    return pd.DataFrame({n: text[n] if n in rewritten else frame[n] for n in names})


class _Plan:
    """Everything an audit command (``run``, ``fairness``) checks before any work.

    The policy, the gate's rules and line, the sensitive column names, the
    output folder and files (HTML report, JSON record, model card, JUnit XML,
    Markdown; each refused when it cannot or may not be written) and the
    baseline. Nothing is created or loaded here.
    """

    def __init__(self, args: argparse.Namespace, stem: str) -> None:
        from audit.report import check_replaceable

        self.policy = _policy(args)
        # grammar and metric names of every rule source: usage errors
        self.rules, self.gate_line = _checked_rules(args, self.policy, default=DEFAULT_RUN_GATE)
        self.sensitive = _sensitive_names(args.sensitive)
        self.out = _check_out(Path(args.out))
        self.html = self.out / f"{stem}.html"
        self.record_path = self.out / f"{stem}.json"
        self.card = self.out / f"{stem}.model-card.md" if args.model_card else None
        for path in (self.html, self.record_path, self.card):
            if path is not None:
                check_replaceable(path, overwrite=args.force)
        self.outputs = _check_gate_outputs(args)
        _check_distinct(
            {
                "the HTML report": self.html,
                "the JSON record": self.record_path,
                "the model card": self.card,
                "--junit-xml": self.outputs["junit_xml"],
                "--markdown": self.outputs["markdown"],
            }
        )
        self.baseline = _read_baseline(args)
        _check_baseline_sensitive(args, self.baseline, self.sensitive)


def _sensitive_names(text: str) -> list[str]:
    """``--sensitive sex,race`` as a list of names (at least one)."""
    sensitive = [s.strip() for s in text.split(",") if s.strip()]
    if not sensitive:
        raise AuditError(_NO_SENSITIVE.format(value=text))
    return sensitive


def _write_and_gate(args: argparse.Namespace, console: Any, report: Any, plan: _Plan) -> int:
    """Gate an audit's report, write its outputs as one set, print the summary; the exit code."""
    import json

    json_text = report.to_json()
    record = json.loads(json_text)
    _check_baseline_data(args, plan.baseline, record)
    outcome = _Outcome(
        plan.rules, plan.gate_line, plan.baseline, args, record, report.facts(), plan.policy
    )
    _out_folder(plan.out)  # created only once there is something to write
    # the report, the record (and any gate file in --out) land as one set
    texts = {
        plan.html: report.to_html(),
        plan.record_path: json_text,
        **outcome.texts(plan.outputs),
    }
    if plan.card is not None:
        texts[plan.card] = report.to_model_card()
    _write_outputs(texts, args.force)
    _print_summary(console, [report], [plan.html])
    return outcome.print(console)


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    # Everything the user set is checked first; nothing is loaded or written before.
    plan = _Plan(args, Path(args.model).stem)
    _check_input_file(args.model, "Model")
    _check_input_file(args.data, "Data")

    why = _out_of_core_reason(args)
    if why is not None:
        return _run_out_of_core(args, console, plan, why)

    from audit._audit import audit_model
    from audit._tabular import read_table
    from audit.loading import load_model

    frame = read_table(args.data)
    _check_columns(frame.columns, args.data, args.target, plan.sensitive)
    model = load_model(args.model, trusted=args.trusted, interface="cli")
    with console.status("auditing ...") as status:
        report = audit_model(
            model,
            frame,
            args.target,
            sensitive_features=_sensitive_values(args.data, frame, plan.sensitive, args.target),
            n_boot=args.n_boot,
            random_state=args.seed,
            name=args.name,
            policy=plan.policy,
            progress=lambda step: status.update(f"auditing: {step} ..."),
        )
    return _write_and_gate(args, console, report, plan)


def _pyarrow(path: Path) -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.parquet``, or the usage error of a Parquet file without them."""
    from audit.errors import OptionalDependencyError

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise OptionalDependencyError(_OOC_NO_PYARROW.format(path=path, error=exc)) from exc
    return pa, pq


def _parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its footer's metadata (no row is read)."""
    pa, pq = _pyarrow(path)
    try:
        return int(pq.read_metadata(path).num_rows)
    except (pa.ArrowException, OSError) as exc:
        raise ModelFileError(
            _OOC_UNREADABLE.format(path=path, suffix=path.suffix.lower(), error=exc)
        ) from exc


def _out_of_core_reason(args: argparse.Namespace) -> str | None:
    """Why ``run`` reads the data out of core (None: it reads the table into memory).

    ``--out-of-core``, or a Parquet file with more rows than
    ``--max-rows-in-memory`` (its row count read from the file's metadata).
    """
    if args.out_of_core:
        return "--out-of-core"
    path = Path(args.data)
    if path.suffix.lower() not in _PARQUET_SUFFIXES or not path.is_file():
        return None
    try:
        rows = _parquet_rows(path)
    except ImportError:  # no usable pyarrow: reading the table says so (a usage error)
        return None
    if rows <= args.max_rows_in_memory:
        return None
    return (
        f"{path.name} has {rows:,} rows, more than --max-rows-in-memory {args.max_rows_in_memory:,}"
    )


def _schema_columns(path_text: str) -> list[str]:
    """The column names of a Parquet file's schema or of a CSV file's header; no row is read."""
    import csv

    path = Path(path_text)
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in _OOC_SUFFIXES:
        raise ModelFileError(_OOC_FILE_TYPE.format(path=path))
    if suffix in _PARQUET_SUFFIXES:
        pa, pq = _pyarrow(path)
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as exc:
            raise ModelFileError(
                _OOC_UNREADABLE.format(path=path, suffix=suffix, error=exc)
            ) from exc
    from audit._tabular import sniff_separator

    try:
        separator = sniff_separator(path)
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=separator), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ModelFileError(_OOC_UNREADABLE.format(path=path, suffix=suffix, error=exc)) from exc
    return header


def _require_duckdb(why: str) -> None:
    """An out-of-core audit reads and counts with DuckDB (an optional dependency)."""
    from audit.errors import OptionalDependencyError

    try:
        import duckdb  # noqa: F401
    except ImportError as exc:
        alternative = "" if why == "--out-of-core" else _OOC_RAISE_LIMIT
        raise OptionalDependencyError(
            _OOC_NO_DUCKDB.format(why=why, error=exc, alternative=alternative)
        ) from exc


def _batches(n: Any) -> str:
    """``12 batches``, ``1 batch``."""
    return f"{n:,} batch{'' if n == 1 else 'es'}" if isinstance(n, int) else "batches"


def _run_out_of_core(args: argparse.Namespace, console: Any, plan: _Plan, why: str) -> int:
    """``run`` on a file read in batches (:func:`audit.audit_large`); never the whole table.

    The columns are checked against the file's schema (or CSV header) only;
    outputs, gates and exit codes are those of an in-memory run.
    """
    from audit._audit_large import audit_large
    from audit._terminal_text import term_text
    from audit.loading import load_model

    _check_columns(_schema_columns(args.data), args.data, args.target, plan.sensitive)
    _require_duckdb(why)
    model = load_model(args.model, trusted=args.trusted, interface="cli")
    with console.status("auditing out of core ...") as status:
        report = audit_large(
            model,
            args.data,
            target=args.target,
            sensitive_features=plan.sensitive,
            policy=plan.policy,
            n_boot=args.n_boot,
            random_state=args.seed,
            name=args.name,
            batch_rows=args.batch_rows,
            sample_rows=args.sample_rows,
            progress=lambda step: status.update(f"auditing out of core: {step} ..."),
        )
    scope = report.data["data_scope"]
    console.print(
        term_text(
            f"out of core ({why}): {scope['rows_total']:,} rows read in "
            f"{_batches(scope.get('batches'))} of up to {args.batch_rows:,} rows by "
            f"{scope['engine']}, never the whole file"
        )
    )
    console.print(term_text(f"data scope: {scope['summary']}"))
    return _write_and_gate(args, console, report, plan)


def _pos_label(text: str | None) -> Any:
    """``--pos-label``: an int or a float when it reads as one, else the text as written."""
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _cmd_fairness(args: argparse.Namespace, console: Any) -> int:
    """``model-audit fairness``: logged predictions, no model; ``run``'s outputs and gates."""
    plan = _Plan(args, Path(args.data).stem)
    _check_input_file(args.data, "Data")

    from audit._audit_predictions import audit_predictions

    with console.status("auditing logged predictions ..."):
        report = audit_predictions(
            args.data,
            y_true=args.y_true,
            y_pred=args.y_pred,
            y_score=args.y_score,
            sensitive_features=plan.sensitive,
            sample_weight=args.weight,
            pos_label=_pos_label(args.pos_label),
            policy=plan.policy,
            n_boot=args.n_boot,
            random_state=args.seed,
            name=args.name,
            engine=args.engine,
        )
    return _write_and_gate(args, console, report, plan)


def _cmd_check(args: argparse.Namespace, console: Any) -> int:
    import json

    from audit.facts import facts_from_record

    path = Path(args.record)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuditError(f"Audit record not found: {path}.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditError(f"{path} is not an audit record (JSON): {exc}") from exc
    if not isinstance(record, dict) or record.get("generator") != "model-audit":
        raise AuditError(f"{path} is JSON but not an audit record written by model-audit.")
    policy = _policy(args)
    facts = facts_from_record(record)
    rules, gate_line = _checked_rules(args, policy, extra=facts)
    if not rules and args.baseline:
        gate_line = _GATE_BASELINE
    if not rules and not args.baseline:
        raise AuditError(
            "check needs --fail-on RULE, --baseline OLD.json, or rules in "
            "[tool.model-audit] of pyproject.toml."
        )
    outputs = _check_gate_outputs(args)
    _check_distinct({"--junit-xml": outputs["junit_xml"], "--markdown": outputs["markdown"]})
    baseline = _read_baseline(args)
    _check_baseline_data(args, baseline, record)
    outcome = _Outcome(rules, gate_line, baseline, args, record, facts, policy)
    _write_outputs(outcome.texts(outputs), args.force)
    _print_record(console, record)
    return outcome.print(console)


def _cmd_demo(args: argparse.Namespace, console: Any) -> int:
    from audit.demo import run_demo

    result = run_demo(
        _out_folder(Path(args.out)),
        include_torch=not args.no_torch,
        seed=args.seed,
        console=console,
    )
    _print_summary(console, result.reports, result.paths)
    return EXIT_OK


# --- scan (model files) -----------------------------------------------------------------------
def _scan(args: argparse.Namespace, console: Any) -> int:
    """``model-audit scan FILE``: the scan's table; exit 0 safe, 1 dangerous (unknown: --strict)."""
    import json

    from rich.table import Table
    from rich.text import Text

    from audit._terminal_text import term_text
    from audit.scan import printable, scan_model_file

    result = scan_model_file(args.file)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        console.print(
            Text(term_text(f"{printable(result.path)}: {result.format}, {result.n_bytes:,} bytes"))
        )
        console.print(Text(f"sha256 {result.sha256}"))
        if result.rows:
            table = Table(title="imports")
            for col in ("module", "name", "verdict", "called", "reason"):
                table.add_column(col)
            for module, name, verdict, called, reason, _where in result.rows:
                cells = (module, name, verdict, "yes" if called else "", reason)
                table.add_row(*(Text(term_text(printable(c))) for c in cells))
            console.print(table)
        c = result.counts
        console.print(
            Text(
                f"verdict: {result.verdict.upper()} ({c['dangerous']} dangerous, "
                f"{c['unknown']} unknown, {c['safe']} safe)"
            )
        )
    for problem in result.problems:
        print(f"model-audit: warning: {term_text(problem)}", file=sys.stderr)
    if result.verdict == "unknown":
        print(
            "model-audit: warning: the file could not be shown to be safe (unknown imports or "
            "problems); inspect them before loading it"
            + ("" if args.strict else " (--strict makes this exit 1)"),
            file=sys.stderr,
        )
    failed = result.verdict == "dangerous" or (args.strict and result.verdict == "unknown")
    return EXIT_GATE_FAILED if failed else EXIT_OK


# --- end scan ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    from audit._terminal_text import term_text

    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    console = _console()
    try:
        if args.command == "demo":
            return _cmd_demo(args, console)
        if args.command == "check":
            return _cmd_check(args, console)
        if args.command == "scan":
            return _scan(args, console)
        if args.command == "fairness":
            return _cmd_fairness(args, console)
        return _cmd_run(args, console)
    except (AuditError, OSError, ValueError, KeyError) as exc:
        if args.debug:
            traceback.print_exc()
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"model-audit: error: {term_text(message, keep_newlines=True)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still one paragraph, the traceback only with --debug
        if args.debug:
            traceback.print_exc()
        message = _INTERNAL.format(kind=type(exc).__name__, message=exc)
        print(term_text(message, keep_newlines=True), file=sys.stderr)
        return EXIT_USAGE


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
