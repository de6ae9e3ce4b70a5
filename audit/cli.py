"""The ``model-audit`` command: ``demo``, ``run`` and ``check``.

Exit codes: 0 = no gate failed, 1 = a gate failed, 2 = usage or data error.
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

__all__ = ["EXIT_GATE_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
SEVERITY_GATES = ("critical", "warning", "info")

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


def _check_file_target(option: str, value: str | None) -> Path | None:
    """Refuse an output file (``--junit-xml``, ``--markdown``) that cannot be written."""
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise ReportWriteError(_FILE_IS_FOLDER.format(option=option, path=path))
    problem = _cannot_create_in(_nearest_existing(path.parent))
    if problem is not None:
        raise ReportWriteError(_FILE_NOT_WRITABLE.format(option=option, path=path, error=problem))
    return path


def _write_file(path: Path, text: str) -> None:
    """Write an output file, creating its folder first (checked before the audit)."""
    from audit.report import write_text_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportWriteError(
            _OUT_NOT_CREATED.format(path=path.parent, error=exc.strerror or exc)
        ) from exc
    write_text_atomic(path, text, overwrite=True)


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
    from rich.console import Console

    return Console(stderr=False, highlight=False, soft_wrap=True)


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
    run.add_argument("--sensitive", required=True, help="sensitive column(s), comma-separated")
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--name", default=None, help="display name of the model")
    run.add_argument(
        "--trusted",
        action="store_true",
        help="allow loading pickles / untrusted skops types (runs code from the file)",
    )
    _add_gate_options(run)
    run.add_argument("--n-boot", type=_count, default=None, help="bootstrap replicates for CIs")
    run.add_argument("--seed", type=_count, default=0, help="random seed (default 0)")
    check = sub.add_parser("check", help="gate a saved audit record (JSON)")
    check.add_argument("record", help="an audit record written by run/demo/to_json()")
    _add_gate_options(check)
    for command in (demo, run, check):  # --debug after the command works too
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def _add_gate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="RULE",
        help="a rule such as 'selection_rate.ratio >= 0.8' (repeatable), or a severity "
        f"({', '.join(SEVERITY_GATES)}): exit 1 when a finding that severe or worse exists",
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
        "--config",
        default=None,
        metavar="PYPROJECT",
        help="pyproject.toml with [tool.model-audit] (default: found from the cwd)",
    )
    p.add_argument("--junit-xml", default=None, metavar="PATH", help="write a JUnit XML file")
    p.add_argument("--markdown", default=None, metavar="PATH", help="write a Markdown summary")


def _print_summary(console: Any, reports: Sequence[Any], paths: Sequence[Path]) -> None:
    from rich.table import Table

    table = Table(title="model-audit")
    for col in ("model", "verdict", "critical", "warning", "info", "insufficient"):
        table.add_column(col)
    for rep in reports:
        c = rep.counts
        table.add_row(
            rep.model["name"],
            rep.verdict.upper(),
            str(c["critical"]),
            str(c["warning"]),
            str(c["info"]),
            str(c["insufficient_evidence"]),
        )
    console.print(table)
    for path in paths:
        console.print(f"report: {path}")


def _rules_from(args: argparse.Namespace, policy: Any) -> list[str]:
    rules = []
    for item in args.fail_on:
        word = item.strip().lower()
        if word in SEVERITY_GATES:
            worse = SEVERITY_GATES[: SEVERITY_GATES.index(word) + 1]
            rules += [f"findings.{sev} == 0" for sev in worse]
        else:
            rules.append(item)
    return rules or list(policy.rules)


def _checked_rules(args: argparse.Namespace, policy: Any, extra: Any = ()) -> list[Any]:
    """Parse the rules and check their metric names, before any work.

    Names are checked against every fact a run can publish
    (:func:`audit.rules.known_fact_names`) plus ``extra`` (the facts of a saved
    record); an unknown name is a usage error naming the closest one.
    """
    from audit.rules import known_fact_names, parse_rules

    return parse_rules(_rules_from(args, policy), known=known_fact_names() | set(extra))


def _policy(args: argparse.Namespace) -> Any:
    from audit.policy import Policy

    if args.config and not Path(args.config).exists():
        raise AuditError(_NO_CONFIG.format(path=args.config))
    return Policy.from_pyproject(args.config) if args.config else Policy.from_pyproject()


def _read_baseline(args: argparse.Namespace) -> dict | None:
    """The facts of ``--baseline``, read before any work (None without one)."""
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
    return facts_from_record(old)


def _check_gate_outputs(args: argparse.Namespace) -> dict[str, Path | None]:
    """Check ``--junit-xml`` and ``--markdown`` before any work."""
    return {
        "junit_xml": _check_file_target("--junit-xml", args.junit_xml),
        "markdown": _check_file_target("--markdown", args.markdown),
    }


def _gate(
    rules: list[Any],
    baseline: dict | None,
    outputs: dict[str, Path | None],
    args: argparse.Namespace,
    facts: dict,
    policy: Any,
    console: Any,
) -> int:
    """Check rules and the baseline; write JUnit / Markdown; return the exit code."""
    from audit.gates import check_rules, compare_to_baseline, junit_xml, markdown_summary

    gate = check_rules(rules, facts, policy) if rules else None
    regressions, compared = [], []
    if baseline is not None:
        regressions, compared = compare_to_baseline(
            facts, baseline, tolerance=args.tolerance, policy=policy
        )
    if outputs["junit_xml"] is not None:
        _write_file(outputs["junit_xml"], junit_xml(gate, regressions, compared))
    if outputs["markdown"] is not None:
        _write_file(outputs["markdown"], markdown_summary(gate, regressions))
    if gate is not None:
        console.print(gate.table(), markup=False, highlight=False)
    for reg in regressions:
        console.print(f"regression: {reg.message}", markup=False)
    if (gate is not None and not gate.passed) or regressions:
        console.print("gate failed", style="bold red")
        return EXIT_GATE_FAILED
    return EXIT_OK


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    # Everything the user set is checked first; nothing is loaded or written before.
    policy = _policy(args)
    rules = _checked_rules(args, policy)  # grammar and metric names: usage errors
    sensitive = [s.strip() for s in args.sensitive.split(",") if s.strip()]
    if not sensitive:
        raise AuditError(_NO_SENSITIVE.format(value=args.sensitive))
    out = _check_out(Path(args.out))
    outputs = _check_gate_outputs(args)
    baseline = _read_baseline(args)
    _check_input_file(args.model, "Model")
    _check_input_file(args.data, "Data")

    from audit._audit import audit_model
    from audit._tabular import read_table
    from audit.loading import load_model

    model = load_model(args.model, trusted=args.trusted)
    frame = read_table(args.data)
    with console.status("auditing ...") as status:
        report = audit_model(
            model,
            frame,
            args.target,
            sensitive_features=sensitive,
            n_boot=args.n_boot,
            random_state=args.seed,
            name=args.name,
            policy=policy,
            progress=lambda step: status.update(f"auditing: {step} ..."),
        )
    _out_folder(out)  # created only once there is something to write
    stem = Path(args.model).stem
    html = out / f"{stem}.html"
    report.to_html(html)
    report.to_json(out / f"{stem}.json")
    _print_summary(console, [report], [html])
    return _gate(rules, baseline, outputs, args, report.facts(), policy, console)


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
    rules = _checked_rules(args, policy, extra=facts)
    if not rules and not args.baseline:
        raise AuditError(
            "check needs --fail-on RULE, --baseline OLD.json, or rules in "
            "[tool.model-audit] of pyproject.toml."
        )
    outputs = _check_gate_outputs(args)
    baseline = _read_baseline(args)
    return _gate(rules, baseline, outputs, args, facts, policy, console)


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
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
        return _cmd_run(args, console)
    except (AuditError, OSError, ValueError, KeyError) as exc:
        if args.debug:
            traceback.print_exc()
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"model-audit: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still one paragraph, the traceback only with --debug
        if args.debug:
            traceback.print_exc()
        print(_INTERNAL.format(kind=type(exc).__name__, message=exc), file=sys.stderr)
        return EXIT_USAGE


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
