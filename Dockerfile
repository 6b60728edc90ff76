# syntax=docker/dockerfile:1
# One image for every process: its command is `web`, `clock` or `release` (the Procfile's
# three), or any other `sherpa` command as it is (`docker run IMAGE doctor`).

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/sherpa
WORKDIR /src
# The dependencies first, exactly as uv.lock pins them (hashes checked), in a layer of their own
COPY deploy/requirements.txt ./
RUN /opt/sherpa/bin/pip install --require-hashes --no-deps -r requirements.txt
COPY pyproject.toml README.md LICENSE ./
COPY sherpa ./sherpa
COPY bot ./bot
COPY engagement ./engagement
COPY blockkit ./blockkit
COPY slack_emulator ./slack_emulator
COPY sherpa_demo ./sherpa_demo
RUN /opt/sherpa/bin/pip install --no-deps .

FROM python:3.11-slim-bookworm
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/sherpa sherpa
COPY --from=build /opt/sherpa /opt/sherpa
COPY deploy/entrypoint.sh /usr/local/bin/sherpa-entrypoint
COPY deploy/healthcheck.sh /usr/local/bin/sherpa-healthcheck
ENV PATH=/opt/sherpa/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000
USER 10001
WORKDIR /home/sherpa
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["sherpa-healthcheck"]
ENTRYPOINT ["sherpa-entrypoint"]
CMD ["web"]
