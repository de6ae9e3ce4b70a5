"""``python -m audit`` runs the model-audit command line."""

from audit.cli import entry_point

if __name__ == "__main__":  # pragma: no cover
    entry_point()
