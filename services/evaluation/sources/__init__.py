"""Every named query, registered by importing its source module (one per source domain)."""

from services.evaluation.sources import (  # noqa: F401  registers their queries
    campaigns, exchanges, library, mentoring, series,
)
from services.evaluation.sources.registry import QUERIES, Count, Levels, Scope

__all__ = ["QUERIES", "Count", "Levels", "Scope"]
