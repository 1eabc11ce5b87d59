"""mtaudit: find what machine translation and scraping broke in translated news."""

from __future__ import annotations

__version__ = "0.1.0"

from audit.config import Config, ConfigError  # noqa: E402
from audit.loaders import InputError  # noqa: E402
from audit.pipeline import AuditResult, audit_documents, run  # noqa: E402
from audit.records import CATEGORIES, MQM_CATEGORIES, Document, Finding  # noqa: E402

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
