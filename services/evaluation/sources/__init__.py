"""Every named query, registered by importing its source module (one per source domain)."""

from services.evaluation.sources import campaigns, library, mentoring, series  # noqa: F401  registers their queries
from services.evaluation.sources.registry import QUERIES, Count, Levels, Scope

__all__ = ["QUERIES", "Count", "Levels", "Scope"]
