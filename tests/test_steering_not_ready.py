"""An Update offered to a run whose workflow task has just failed (timed out on a loaded worker;
Temporal retries it) is refused by Temporal as "not ready" (FAILED_PRECONDITION). The soak found
staff decisions answered 500 for it (assess_exchange, 10 times in one short term): steering offers
the Update again until the run takes it, and answers 503, not 500, when it never does or Temporal
does not answer."""

from datetime import timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from contracts.errors import Conflict, Unavailable
from engine import steering

NOT_READY = "Unable to perform workflow execution update due to Workflow Task in failed state."


class Accepted:
    async def result(self, rpc_timeout):
        return "decided"


class Handle:
    def __init__(self, failures: list[RPCError]) -> None:
        self.failures, self.offers = failures, 0

    async def start_update(self, update, *args, wait_for_stage):
        self.offers += 1
        if self.failures:
            raise self.failures.pop(0)
        return Accepted()


class Client:
    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def get_workflow_handle(self, workflow_id: str) -> Handle:
        return self.handle


def not_ready() -> RPCError:
    return RPCError(NOT_READY, RPCStatusCode.FAILED_PRECONDITION, b"")


async def steer(handle: Handle):
    return await steering.steer(Client(handle), "exchange-1", "assess", ended=Conflict("交流已结束"))


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(steering, "FIRST_RETRY", 0.01)
    monkeypatch.setattr(steering, "STEER_WAIT", timedelta(seconds=0.1))


async def test_an_update_the_run_was_not_ready_for_is_offered_again_until_taken():
    handle = Handle([not_ready(), not_ready()])
    assert await steer(handle) == "decided"
    assert handle.offers == 3


async def test_a_run_never_ready_answers_503_not_500():
    handle = Handle([not_ready()] * 100)
    with pytest.raises(Unavailable):
        await steer(handle)
    assert 1 < handle.offers < 100  # offered again, within STEER_WAIT


async def test_a_temporal_that_does_not_answer_is_503_and_a_gone_run_409():
    with pytest.raises(Unavailable):
        await steer(Handle([RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")]))
    with pytest.raises(Conflict):
        await steer(Handle([RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")]))
