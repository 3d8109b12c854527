# syntax=docker/dockerfile:1
# Build stage: install the pinned dependencies into a virtualenv, the same commands the
# README uses, then the project itself.
FROM python:3.11-slim AS build
WORKDIR /app
RUN python3 -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.lock
COPY pyproject.toml README.md ./
COPY digests ./digests
COPY bot ./bot
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps .

# Run stage: only the virtualenv, a non-root user and a volume for the SQLite data.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 newsdigest && mkdir /data && chown newsdigest /data
COPY --from=build /opt/venv /opt/venv
COPY config.toml /etc/newsdigest/config.toml
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    NEWSDIGEST_CONFIG=/etc/newsdigest/config.toml
USER newsdigest
WORKDIR /data
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import digests.store, sys; sys.exit(0)"]
CMD ["newsdigest", "run", "--config", "/etc/newsdigest/config.toml"]
