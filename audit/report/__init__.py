"""The HTML report of a run (DIR/report/): what an editor reads, and where repair decisions are made."""

from audit.report.render import CSP, render_report, safe_name

__all__ = ["CSP", "render_report", "safe_name"]
