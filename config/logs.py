"""Structured logs for every process (issue 23): JSON lines when the output is not a terminal
(LOG_FORMAT=auto; `make run` writes var/log/*.log), text when it is; each line carries the request
id (set by api/request_id.py), and the workflow id and run id when it was written inside an
activity or a workflow."""

import contextvars
import logging
import logging.config
import sys

from pythonjsonlogger.json import JsonFormatter
from temporalio import activity, workflow

from config import Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
IDS = ("request_id", "workflow_id", "run_id")


class _Ids(logging.Filter):
    """Puts the ids on the record: temporalio's own loggers give them in an extra dict; any other
    logger called inside an activity or a workflow gets them from its info."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = {"request_id": request_id.get()}
        found = getattr(record, "temporal_activity", None) or getattr(record, "temporal_workflow", None) or {}
        if not found and activity.in_activity():
            info = activity.info()
            found = {"workflow_id": info.workflow_id, "workflow_run_id": info.workflow_run_id}
        elif not found and workflow.in_workflow():
            info = workflow.info()
            found = {"workflow_id": info.workflow_id, "run_id": info.run_id}
        ids |= {"workflow_id": found.get("workflow_id"), "run_id": found.get("workflow_run_id") or found.get("run_id")}
        for name, value in ids.items():
            if value:  # a line without an id has no such field
                setattr(record, name, value)
        return True


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name}={value}" for name in IDS if (value := getattr(record, name, None)))
        return super().format(record) + (f" [{ids}]" if ids else "")


def formatter(log_format: str = "auto") -> logging.Formatter:
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    if as_json:
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"},
                             json_ensure_ascii=False)
    return _Text(TEXT_FORMAT)


def dict_config(settings: Settings, level: str = "INFO") -> dict:
    """One handler on stderr for the root logger, every logger propagating to it. As a dict, so
    uvicorn applies it in each of its worker processes too (scripts/serve_api.py)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"product": {"()": formatter, "log_format": settings.log_format}},
        "filters": {"ids": {"()": _Ids}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "product", "filters": ["ids"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(dict_config(settings))
