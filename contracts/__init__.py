"""Pydantic contracts shared by the API, the workflows and the activities.

Workflow code imports these through `workflow.unsafe.imports_passed_through()`, so this package
must stay free of I/O and of imports with side effects."""
