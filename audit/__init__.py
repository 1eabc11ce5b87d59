"""mtaudit: find what machine translation and scraping broke in translated news."""

from __future__ import annotations

__version__ = "0.1.0"

import audit.memory  # noqa: F401  (first: sets polars' allocator before anything imports polars)
from audit.config import Config, ConfigError
from audit.loaders import InputError
from audit.pipeline import AuditResult, audit_documents, run
from audit.records import CATEGORIES, MQM_CATEGORIES, Document, Finding

__all__ = [
    "CATEGORIES",
    "MQM_CATEGORIES",
    "AuditResult",
    "Config",
    "ConfigError",
    "Document",
    "Finding",
    "InputError",
    "__version__",
    "audit_documents",
    "run",
]
