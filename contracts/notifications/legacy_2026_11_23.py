"""What runs started by the release of 2026-11-23 hold in their histories and today's code no
longer writes. This module goes once no such run is open: the condition of the patches of
2026-11-26 (workflows/patches.py; `GET /api/v1/runs/patches`, `make patches`)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, model_serializer, model_validator

from contracts.notifications.notices import NotificationKind


class Notice_2026_11_23(BaseModel):
    """A notice of a campaign or series run started by the release of 2026-11-23 (a kind and
    untyped data with its own title) that is no valid payload today. Stored as it came, it renders
    as the generic notice with that title."""

    kind: NotificationKind
    data: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _from_flat(cls, value: Any) -> Any:
        # Only that release worded titles: a payload of today never lands here.
        if isinstance(value, dict) and "data" not in value and "title" in value:
            value = {"kind": value.get("kind"), "data": {k: v for k, v in value.items() if k != "kind"}}
        return value

    @model_serializer
    def _flat(self) -> dict[str, Any]:
        return {**self.data, "kind": self.kind.value}


class DeliveryBatch_2026_11_23(BaseModel):
    """An id range of a notice's deliveries: what the delivery run of 2026-11-23 hands its
    `deliver_batch` activity (workflows/legacy/delivery_2026_11_23.py)."""

    notification_id: int
    first_id: int
    last_id: int
    at: datetime  # workflow time: deferred rows due by then are delivered
