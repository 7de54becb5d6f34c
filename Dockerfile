# The API and the worker share one image; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENVIRONMENT=production
WORKDIR /app

# The evaluation's PDF report: WeasyPrint draws with Pango, in a Chinese font.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*

COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN useradd --create-home jiaoyan && chown -R jiaoyan /app
USER jiaoyan

EXPOSE 8000
# scripts/serve_api.py: uvicorn with the limits on headers and connections, as `make run` serves.
CMD ["python", "-m", "scripts.serve_api", "--host", "0.0.0.0", "--port", "8000"]
