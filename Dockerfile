# The API and the worker share one image; docker-compose.yml picks the command.
# Pinned: an upgrade of the base is a change here (README, Operations).
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENVIRONMENT=production
WORKDIR /app

# pg_dump / pg_restore of the compose backup (scripts/backup.py) must be the server's major version
# (postgres:16 in docker-compose.yml): PostgreSQL's own Debian repository has it, Debian 12's has 15.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
       > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16 \
    && apt-get purge -y curl gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

# The evaluation's PDF report: WeasyPrint draws with Pango, in a Chinese font.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*

COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN useradd --create-home jiaoyan && mkdir -p /app/var/backups && chown -R jiaoyan /app
USER jiaoyan

EXPOSE 8000
# scripts/serve_api.py: uvicorn with the limits on headers and connections, as `make run` serves.
CMD ["python", "-m", "scripts.serve_api", "--host", "0.0.0.0", "--port", "8000"]
