"""The patches the workflows carry and whether each can be retired, counted on the configured
Temporal server (TEMPORAL_ADDRESS): the table `GET /api/v1/runs/patches` answers.

    python -m scripts.patches        (make patches)
"""

import asyncio

from config import get_settings
from engine.connection import connect_temporal
from engine.runs import patch_statuses
from workflows import patches


async def main() -> None:
    client = await connect_temporal(get_settings())
    statuses = await patch_statuses(client, patches.ALL)
    width = max(len(status.id) for status in statuses)
    print(f"{'patch':<{width}}  release     open older runs  retirable  guards")
    for status in statuses:
        print(f"{status.id:<{width}}  {status.release}  {status.open_older_runs:>15}  "
              f"{'yes' if status.retirable else 'no':<9}  {status.guards} ({', '.join(status.workflow_types)})")


if __name__ == "__main__":
    asyncio.run(main())
