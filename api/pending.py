"""The answer of a creation whose run Temporal did not take: 202 with contracts.runs.api.RunPending
(the record is stored; the worker's reconciler starts its run once Temporal answers)."""

from fastapi import status
from fastapi.responses import JSONResponse

from contracts.runs.api import RunPending

# For the route's OpenAPI `responses`, beside the 201 it declares.
RUN_PENDING_RESPONSE = {status.HTTP_202_ACCEPTED: {"model": RunPending, "description": "stored; its run starts later"}}


def created_or_pending(result):
    """The created record, answered as the route declares; or the 202 saying its run starts later."""
    if isinstance(result, RunPending):
        return JSONResponse(result.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    return result
