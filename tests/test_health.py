from config import Settings
from tests.conftest import api_client


async def test_health_ok(api):
    response = await api.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "temporal": "ok", "database": "ok"}


async def test_health_names_what_is_down(settings: Settings, session_factory):
    from engine.connection import connect_temporal

    nowhere = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    async with api_client(settings, await connect_temporal(nowhere, lazy=True)) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["temporal"].startswith("down")
