"""Structured logs (config/logs.py): JSON lines carrying the request id, sent back as X-Request-ID
(api/request_id.py), and the workflow and run ids of lines written for a run."""

import io
import json
import logging

from config import Settings
from config.logs import _Ids, formatter, request_id


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    handler.addFilter(_Ids())
    logger = logging.getLogger("test.operations.logs")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.INFO
    return logger, stream


async def test_each_request_line_carries_its_request_id(api):
    logger, stream = _capture()
    mine = await api.get("/api/v1/health/live", headers={"X-Request-ID": "abc-123"})
    forged = await api.get("/api/v1/health/live", headers={"X-Request-ID": "x\" injected=1"})
    logger.info("outside any request")
    token = request_id.set("abc-123")  # what RequestIdMiddleware sets while serving
    try:
        logger.info("inside one")
    finally:
        request_id.reset(token)

    assert mine.headers["x-request-id"] == "abc-123"
    assert forged.headers["x-request-id"] != "x\" injected=1" and len(forged.headers["x-request-id"]) == 32
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "request_id" not in outside and inside["request_id"] == "abc-123"


def test_lines_written_for_a_run_carry_its_workflow_and_run_ids():
    logger, stream = _capture()
    logger.info("通知已发布", extra={"temporal_activity": {"workflow_id": "campaign-1", "workflow_run_id": "r-1"}})
    line = json.loads(stream.getvalue())
    assert (line["message"], line["workflow_id"], line["run_id"], line["level"]) == ("通知已发布", "campaign-1", "r-1", "INFO")


def test_text_on_a_terminal_json_elsewhere():
    assert isinstance(formatter("text"), logging.Formatter) and not type(formatter("text")).__name__.startswith("Json")
    assert type(formatter("json")).__name__ == "JsonFormatter"
    assert Settings(_env_file=None).log_format == "auto"
