# apply-imagemaps as a containerized KRM function and Helm-free filter:
#   docker build -t apply-imagemaps:0.1.0 .
#   kpt fn eval DIR --image apply-imagemaps:0.1.0 -- selector=example.com/app image=registry/app:tag
#   kustomize: `config.kubernetes.io/function: {container: {image: apply-imagemaps:0.1.0}}`
# The image reads stdin and writes stdout like the console script; it needs no network.
# Pinned by exact version tag; tests/hosts/test_host_dockerfile.py checks the pin, the USER and the
# ENTRYPOINT and runs the pip install below in a fresh virtualenv (no Docker engine there).
FROM python:3.11.7-slim-bookworm

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY krm_fn/ krm_fn/
RUN pip install --no-cache-dir --disable-pip-version-check .

RUN useradd --system --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin fn
USER 65532:65532
WORKDIR /
ENTRYPOINT ["apply-imagemaps"]
