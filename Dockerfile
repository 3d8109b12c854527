# syntax=docker/dockerfile:1
# Build stage: the README's install commands into a virtualenv: the pinned dependencies from
# the image's lock file (the default lock plus the postgres and metrics extras), then the
# project itself without resolving anything again.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python3 -m venv /opt/venv
COPY requirements.lock requirements-image.lock ./
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements-image.lock
COPY pyproject.toml README.md ./
COPY digests ./digests
COPY bot ./bot
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps .

# Run stage: the virtualenv, the config beside the sample feeds it names by relative path,
# a non-root user and a volume for the SQLite data (the config's relative database path
# resolves in the working directory, /data).
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 newsdigest && mkdir /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
COPY config.toml /app/config.toml
COPY digests/samples /app/digests/samples
# The image turns the health endpoint on for its HEALTHCHECK; on all interfaces so that an
# orchestrator or Prometheus can reach it too (it is only published with -p). Set through the
# environment, which overrides the config's keys, so any config (with a [health] table or
# without, mounted over /app/config.toml or not) keeps the port the HEALTHCHECK asks.
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    NEWSDIGEST_HEALTH_PORT=8080 \
    NEWSDIGEST_HEALTH_HOST=0.0.0.0
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["newsdigest", "run", "--config", "/app/config.toml"]
