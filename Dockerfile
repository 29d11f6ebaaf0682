# apply-imagemaps as a containerized KRM function and Helm-free filter:
#   docker build -t localhost/apply-imagemaps:0.1.0 .
#   kpt fn eval DIR --image localhost/apply-imagemaps:0.1.0 -- selector=example.com/app image=registry/app:tag
#   kustomize: `config.kubernetes.io/function: {container: {image: localhost/apply-imagemaps:0.1.0}}`
# The image reads stdin and writes stdout like the console script; it needs no network.
# The base is a Python image pinned by exact version tag. BASE replaces it where Docker Hub
# cannot be reached: the tests build this file with podman FROM a local Debian 12 image
# (scripts/get-podman; tests/hosts/containers.py) and run it (tests/hosts/test_host_container.py);
# tests/hosts/test_host_dockerfile.py checks the pin, the USER and the ENTRYPOINT.
ARG BASE=python:3.11.7-slim-bookworm
FROM ${BASE}

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY krm_fn/ krm_fn/
RUN pip install --no-cache-dir --disable-pip-version-check .

RUN useradd --system --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin fn
USER 65532:65532
WORKDIR /
ENTRYPOINT ["apply-imagemaps"]
