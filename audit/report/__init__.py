"""Reports: the HTML view, the JSON record and the Markdown summary of an audit."""

from audit.report._compare import ComparisonReport, compare
from audit.report._report import SCHEMA_VERSION, AuditReport
from audit.report._write import (
    check_replaceable,
    output_lock,
    write_outputs_atomic,
    write_text_atomic,
    written_by_model_audit,
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditReport",
    "ComparisonReport",
    "check_replaceable",
    "compare",
    "output_lock",
    "write_outputs_atomic",
    "write_text_atomic",
    "written_by_model_audit",
]
