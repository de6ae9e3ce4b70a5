"""Reports: the HTML view, the JSON record and the Markdown summary of an audit."""

from audit.report._compare import ComparisonReport, compare
from audit.report._report import SCHEMA_VERSION, AuditReport
from audit.report._write import write_text_atomic

__all__ = ["SCHEMA_VERSION", "AuditReport", "ComparisonReport", "compare", "write_text_atomic"]
