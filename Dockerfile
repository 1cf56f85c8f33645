# airplane-bot: the Slack bot (`airplane-bot serve`). airfield can run from the same image:
#   docker run ... airplane-bot airfield serve --host 0.0.0.0 --tasks /tasks
# Build stage: install the project into a virtual environment; build tools stay here.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY airplane_api ./airplane_api
COPY foundation ./foundation
COPY bot ./bot
COPY airfield ./airfield
COPY slackbox ./slackbox
RUN /opt/venv/bin/pip install --no-compile .

# Final stage: the slim runtime, the venv, a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    METRICS_PORT=3001 \
    BOT_DB=/data/airplane-bot.db
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
COPY examples /app/examples
WORKDIR /app
USER 10001
VOLUME ["/data"]
EXPOSE 3000 3001
# Liveness, never readiness: /healthz calls nothing, so a Slack or Airplane outage does not get
# the container restarted (a restart cannot fix them). Orchestrators should send traffic by
# /readyz (503 naming the dependency that is down). /readyz and /metrics are on METRICS_PORT in
# both modes, never on PORT, bound to METRICS_HOST: 127.0.0.1 unless set (METRICS_HOST=0.0.0.0
# for probes and scrapes from outside the container; keep 3001 off the public network). This
# check runs inside the container: /healthz on PORT in HTTP mode, on METRICS_PORT in Socket Mode.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ['METRICS_PORT'] if os.environ.get('SLACK_APP_TOKEN') else os.environ.get('PORT', '3000'); urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=2)"]
CMD ["airplane-bot", "serve"]
