"""The console's 运行状况 page (admins): the worker with its fresh heartbeat, deliveries by channel
and status, the last backup or its absence, and /health/ready beside it."""

from services.backups import archive as archives
from tests.conftest import console_login


async def test_the_admin_page_shows_the_worker_the_backlog_and_the_last_backup(settings, api, ts_env, worker_on,
                                                                                tmp_path):
    settings.var_dir, settings.backup_dir = tmp_path, tmp_path / "backups"
    async with worker_on(ts_env.client):  # writes its heartbeat as it starts
        assert (await api.get("/api/v1/health/ready")).json()["worker"] == "ok"
        await console_login(api, "admin")
        before = (await api.get("/console/operations")).text
        (tmp_path / "temporal.db").write_bytes(b"")  # an empty file is an empty SQLite database
        await api.get("/api/v1/health")  # the app's database file exists by now
        archives.create(settings, label="manual")
        after = (await api.get("/console/operations")).text
    stopped = (await api.get("/api/v1/health/ready")).json()

    assert "正常" in before and "还没有备份" in before
    assert "（manual，数据库版本" in after and "共保留 1 份" in after
    assert stopped["worker"] == "down: no worker" and stopped["status"] == "degraded"
