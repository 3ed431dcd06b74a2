# syntax=docker/dockerfile:1
# The escalation service's image: the wheel is built in the first stage and installed, with
# the tested versions of its dependencies (constraints.txt), into a virtual environment that
# the slim runtime stage copies; the service runs as an unprivileged user. compose.yaml and
# docs/deploy.md say how to run the web app (gunicorn), the worker and `init-db` from it.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE constraints.txt ./
COPY escalation/ escalation/
COPY api/ api/
COPY workflows/ workflows/
RUN pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/escalation \
 && /opt/escalation/bin/pip install --constraint constraints.txt /wheels/escalation-*.whl

FROM ${PYTHON_IMAGE}
# Voikko gives search its Finnish base forms (without it search falls back to Snowball).
# Debian's security updates are wanted here, so the packages are not pinned (.hadolint.yaml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvoikko1 voikko-fi \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 escalation \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/escalation --create-home \
      --shell /usr/sbin/nologin escalation \
 && install -d -o escalation -g escalation -m 0750 /var/lib/escalation/checkpoints
COPY --from=build /opt/escalation /opt/escalation
ENV PATH=/opt/escalation/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ESCALATION_INSTANCE=/var/lib/escalation
USER 10001:10001
WORKDIR /var/lib/escalation
EXPOSE 8000
CMD ["gunicorn", "--no-control-socket", "--worker-tmp-dir", "/dev/shm", "-w", "4", \
     "-b", "0.0.0.0:8000", "api.wsgi:app"]
