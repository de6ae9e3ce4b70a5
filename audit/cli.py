"""The ``model-audit`` command: ``demo`` and ``run``.

Exit codes: 0 = no gate failed, 1 = a gate failed, 2 = usage or data error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import AuditError

__all__ = ["EXIT_GATE_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
SEVERITY_GATES = ("critical", "warning", "info")


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
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

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
    run.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="SEVERITY",
        help="exit 1 when a finding of this severity or worse exists "
        f"({', '.join(SEVERITY_GATES)})",
    )
    run.add_argument("--n-boot", type=int, default=None, help="bootstrap replicates for CIs")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


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


def _gate_failures(report: Any, gates: Sequence[str]) -> list[str]:
    order = {"critical": 0, "warning": 1, "info": 2}
    failures = []
    for gate in gates:
        if gate not in order:
            raise AuditError(f"--fail-on takes one of {', '.join(SEVERITY_GATES)}; got {gate!r}.")
        bad = [f for f in report.findings if order[f.severity] <= order[gate]]
        failures += [f"{f.severity}: {f.title} ({f.subject})" for f in bad]
    return failures


def _cmd_run(args: argparse.Namespace, console: Any) -> int:
    from audit._audit import audit_model
    from audit._tabular import read_table
    from audit.loading import load_model

    for gate in args.fail_on:
        if gate not in SEVERITY_GATES:
            raise AuditError(f"--fail-on takes one of {', '.join(SEVERITY_GATES)}; got {gate!r}.")
    out = Path(args.out)
    model = load_model(args.model, trusted=args.trusted)
    frame = read_table(args.data)
    sensitive = [s.strip() for s in args.sensitive.split(",") if s.strip()]
    with console.status("auditing ...") as status:
        report = audit_model(
            model,
            frame,
            args.target,
            sensitive_features=sensitive,
            n_boot=args.n_boot,
            random_state=args.seed,
            name=args.name,
            progress=lambda step: status.update(f"auditing: {step} ..."),
        )
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(args.model).stem
    html = out / f"{stem}.html"
    report.to_html(html)
    report.to_json(out / f"{stem}.json")
    _print_summary(console, [report], [html])
    failures = _gate_failures(report, args.fail_on)
    if failures:
        console.print("[bold red]gate failed[/]:")
        for line in failures:
            console.print(f"  {line}", markup=False)
        return EXIT_GATE_FAILED
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, console: Any) -> int:
    from audit.demo import run_demo

    result = run_demo(
        Path(args.out), include_torch=not args.no_torch, seed=args.seed, console=console
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
        return _cmd_run(args, console)
    except (AuditError, OSError, ValueError, KeyError) as exc:
        if args.debug:
            traceback.print_exc()
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"model-audit: error: {message}", file=sys.stderr)
        return EXIT_USAGE


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
