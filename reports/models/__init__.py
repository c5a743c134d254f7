"""The reports app's models, one module per capability, all importable from ``reports.models``."""
