"""Temporal workflows. Deterministic code only: time from workflow.now(), no I/O, contracts
imported through workflow.unsafe.imports_passed_through()."""
