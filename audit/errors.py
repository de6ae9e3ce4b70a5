"""Typed errors raised by model-audit.

Every error the library raises on purpose derives from :class:`AuditError`, and
each subclass also derives from the builtin exception it stands for, so callers'
existing ``except ValueError`` / ``except TypeError`` blocks keep working.
Messages say what was received and what is allowed.
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "DataValidationError",
    "EngineResourceError",
    "FeatureMismatchError",
    "InvalidParameterError",
    "LengthMismatchError",
    "MissingValueError",
    "ModelFileError",
    "ModelOutputError",
    "NotFittedModelError",
    "OptionalDependencyError",
    "OutputExistsError",
    "ReportWriteError",
    "RuleSyntaxError",
    "UnknownColumnError",
    "UnsupportedModelError",
    "UntrustedFileError",
]


class AuditError(Exception):
    """Base class of every error model-audit raises on purpose."""


class DataValidationError(AuditError, ValueError):
    """The data given to an audit is not usable as it is."""


class InvalidParameterError(DataValidationError, TypeError):
    """A setting (not the data) has a type or value the function does not accept.

    Also a :class:`TypeError`, so both ``except ValueError`` and ``except TypeError``
    catch it (as scikit-learn's ``InvalidParameterError``).
    """


class LengthMismatchError(DataValidationError):
    """Arrays that must be aligned row by row have different lengths."""


class MissingValueError(DataValidationError):
    """NaN / None / inf found where values are required."""


class ModelOutputError(DataValidationError):
    """The model's own outputs are not usable, so nothing is audited.

    Raised once, where the audit computes the predictions, before any analyzer
    runs: predictions or probabilities that are NaN / infinite, probabilities
    outside [0, 1], or predicted labels that are not among the model's
    classes (e.g. ``predict`` returns ``'0'``/``'1'`` while ``classes_`` is
    ``[0, 1]``). The message names how many rows and which.
    """


class UnknownColumnError(DataValidationError, KeyError):
    """A column name that is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class UnsupportedModelError(AuditError, TypeError):
    """The object is not a model type model-audit can audit."""


class NotFittedModelError(AuditError, ValueError, AttributeError):
    """The model has not been fitted yet."""


class FeatureMismatchError(AuditError, ValueError):
    """The data's columns do not match what the model was trained on."""


class UntrustedFileError(AuditError, PermissionError):
    """Loading this file would execute code; refused without ``trusted=True``."""


class ModelFileError(AuditError, OSError):
    """A model file is missing, corrupt, truncated or not what its name claims."""


class EngineResourceError(AuditError, MemoryError):
    """The engine holding a table ran out of the memory (or other resource) it was given."""


class OptionalDependencyError(AuditError, ImportError):
    """An optional dependency (an extra) is needed and not installed."""


class ReportWriteError(AuditError, OSError):
    """A report could not be written where asked."""


class OutputExistsError(ReportWriteError, FileExistsError):
    """An output path holds a file that model-audit did not write; it is left alone.

    Raised by every writer (HTML, JSON, Markdown, JUnit XML) unless the caller
    says to replace the file (``overwrite=True`` in Python, ``--force`` on the
    command line). Also a :class:`FileExistsError`.
    """


class RuleSyntaxError(AuditError, ValueError):
    """A gate rule does not follow the rule grammar."""
