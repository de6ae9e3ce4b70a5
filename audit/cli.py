"""The ``model-audit`` command: ``demo``, ``run`` and ``check``.

Exit codes: 0 = no gate failed, 1 = a gate failed, 2 = usage or data error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import AuditError, ReportWriteError

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


def _check_out(path: Path) -> Path:
    """Refuse an output path that is an existing file, before any work."""
    if path.exists() and not path.is_dir():
        raise ReportWriteError(_OUT_NOT_FOLDER.format(path=path))
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


def _policy(args: argparse.Namespace) -> Any:
    from audit.policy import Policy

    if args.config and not Path(args.config).exists():
        raise AuditError(_NO_CONFIG.format(path=args.config))
    return Policy.from_pyproject(args.config) if args.config else Policy.from_pyproject()


def _gate(args: argparse.Namespace, facts: dict, policy: Any, console: Any) -> int:
    """Check rules and the baseline; write JUnit / Markdown; return the exit code."""
    import json

    from audit.facts import facts_from_record
    from audit.gates._check import check_rules
    from audit.gates._outputs import compare_to_baseline, junit_xml, markdown_summary
    from audit.report._write import write_text_atomic

    rules = _rules_from(args, policy)
    gate = check_rules(rules, facts, policy) if rules else None
    regressions, compared = [], []
    if args.baseline:
        try:
            old = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise AuditError(f"Cannot read the baseline {args.baseline}: {exc}") from exc
        regressions, compared = compare_to_baseline(
            facts, facts_from_record(old), tolerance=args.tolerance, policy=policy
        )
    if args.junit_xml:
        write_text_atomic(args.junit_xml, junit_xml(gate, regressions, compared), overwrite=True)
    if args.markdown:
        write_text_atomic(args.markdown, markdown_summary(gate, regressions), overwrite=True)
    if gate is not None:
        console.print(gate.table(), markup=False, highlight=False)
    for reg in regressions:
        console.print(f"regression: {reg.message}", markup=False)
    if (gate is not None and not gate.passed) or regressions:
        console.print("gate failed", style="bold red")
        return EXIT_GATE_FAILED
    return EXIT_OK


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    from audit._audit import audit_model
    from audit._tabular import read_table
    from audit.gates._rules import parse_rules
    from audit.loading import load_model

    policy = _policy(args)
    parse_rules(_rules_from(args, policy))  # a bad rule is a usage error before any work
    sensitive = [s.strip() for s in args.sensitive.split(",") if s.strip()]
    if not sensitive:
        raise AuditError(_NO_SENSITIVE.format(value=args.sensitive))
    out = _check_out(Path(args.out))
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
    return _gate(args, report.facts(), policy, console)


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
    if not _rules_from(args, policy) and not args.baseline:
        raise AuditError(
            "check needs --fail-on RULE, --baseline OLD.json, or rules in "
            "[tool.model-audit] of pyproject.toml."
        )
    return _gate(args, facts, policy, console)


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
