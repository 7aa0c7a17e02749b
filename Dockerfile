# syntax=docker/dockerfile:1.7
# The reward-signal CUDA image: every Python package installed from docker/requirements.lock with
# hashes, flash-attn compiled here from its hashed sdist, runtime as a non-root user under tini.
#
# Base images are referenced by tag AND digest. The digest defaults are empty because they could not
# be looked up where this file was written; release builds (.github/workflows/image.yml) refuse to run
# without them. Refresh both digests when you change CUDA_TAG:
#   docker buildx imagetools inspect nvidia/cuda:13.0.2-devel-ubuntu24.04 --format '{{json .Manifest.Digest}}'
#   docker buildx imagetools inspect nvidia/cuda:13.0.2-base-ubuntu24.04  --format '{{json .Manifest.Digest}}'
# and pass them as --build-arg CUDA_DEVEL_DIGEST=sha256:... --build-arg CUDA_BASE_DIGEST=sha256:...
# (or set them as defaults below). CUDA 13.0 matches the nvidia-*-cu13 / CUDA 13.0 runtime wheels
# that torch 2.11.0 pulls in (see README, "Containers and clusters").
ARG CUDA_TAG=13.0.2
ARG CUDA_DEVEL_DIGEST=""
ARG CUDA_BASE_DIGEST=""

# Where the flash-attn wheel comes from: compiled in the stage below (the default, for local builds),
# or a named build context holding wheels/flash_attn-*.whl, as the image workflow passes the wheel its
# flash-attn job built and cached:  --build-context prebuilt-flash-attn=DIR --build-arg FLASH_ATTN_WHEELS=prebuilt-flash-attn
ARG FLASH_ATTN_WHEELS=flash-attn-from-source

# ---------------------------------------------------------------------------------------------
# flash-attn-from-source: flash-attn 2.8.3 is source-only on PyPI and no published wheel matches
# torch 2.11 + CUDA 13 + Python 3.12, so it is compiled here against the locked torch. The stage copies
# only flash-attn's own inputs (its sdist lock, the torch/build-tool part of the lock, the script),
# so a lock change that does not touch torch reuses the cached layer. docker/build-flash-attn.sh says
# what MAX_JOBS, NVCC_THREADS and FLASH_ATTN_CUDA_ARCHS do; raise MAX_JOBS on a large builder
# (each nvcc job can take 8+ GB of RAM with CUDA 13).
FROM nvidia/cuda:${CUDA_TAG}-devel-ubuntu24.04${CUDA_DEVEL_DIGEST:+@}${CUDA_DEVEL_DIGEST} AS flash-attn-from-source

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DL3008 ignored: Ubuntu's archive drops superseded package versions, so exact apt pins break
# rebuilds; the base digest fixes the OS, and the Python stack (what results depend on) is hash-locked.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.12 python3.12-venv python3.12-dev build-essential \
    && rm -rf /var/lib/apt/lists/*

ARG MAX_JOBS=1
ARG NVCC_THREADS=2
ARG FLASH_ATTN_CUDA_ARCHS="80;90;100;120"
COPY docker/flash-attn.lock docker/flash-attn-build.lock docker/build-flash-attn.sh /opt/flash-attn/
RUN MAX_JOBS="${MAX_JOBS}" NVCC_THREADS="${NVCC_THREADS}" FLASH_ATTN_CUDA_ARCHS="${FLASH_ATTN_CUDA_ARCHS}" \
    bash /opt/flash-attn/build-flash-attn.sh /wheels /tmp/flash-attn-build \
    && rm -rf /tmp/flash-attn-build /opt/flash-attn-venv

# DL3006 ignored: not an image but a stage name or a named build context (FLASH_ATTN_WHEELS above).
# checkov:skip=CKV_DOCKER_7: the same reason (a stage or build context has no tag)
# hadolint ignore=DL3006
FROM ${FLASH_ATTN_WHEELS} AS flash-attn-wheels

# ---------------------------------------------------------------------------------------------
# builder: a venv with the locked packages plus the flash-attn wheel.
FROM nvidia/cuda:${CUDA_TAG}-devel-ubuntu24.04${CUDA_DEVEL_DIGEST:+@}${CUDA_DEVEL_DIGEST} AS builder

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# DL3008 ignored for the same reason as above.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.12 python3.12-venv python3.12-dev build-essential \
    && rm -rf /var/lib/apt/lists/* \
    && python3.12 -m venv /opt/venv

COPY docker/requirements.lock /tmp/requirements.lock
# antlr4-python3-runtime 4.9.3 (needed by hydra-core 1.3 / omegaconf 2.3) exists only as a hashed,
# pure-Python sdist; every other package is a hashed wheel.
RUN pip install --require-hashes --only-binary :all: --no-binary antlr4-python3-runtime --no-deps \
    -r /tmp/requirements.lock

# The wheel was built in this build (or by the workflow's flash-attn job, which logs its sha256).
COPY --from=flash-attn-wheels /wheels /tmp/flash-attn-wheels
RUN pip install --no-deps --no-index /tmp/flash-attn-wheels/flash_attn-*.whl \
    && rm -rf /tmp/flash-attn-wheels

# ---------------------------------------------------------------------------------------------
# runtime: CUDA base (driver libraries come from the NVIDIA container toolkit, CUDA libraries from
# the locked nvidia-* wheels), the venv, and this kit installed in place so its script/ and data/
# files (experiments, reward shim, dataset manifest) stay next to the package.
FROM nvidia/cuda:${CUDA_TAG}-base-ubuntu24.04${CUDA_BASE_DIGEST:+@}${CUDA_BASE_DIGEST} AS runtime

ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/reward-signal/reward-signal
# The reference this image is pushed as (the workflow passes its immutable :sha-<commit> tag):
# run.json records it and REVISION as the run's image and commit (there is no .git in the image).
ARG IMAGE_REF=reward-signal:${VERSION}
LABEL org.opencontainers.image.title="reward-signal" \
      org.opencontainers.image.description="GRPO/PPO on VERL with correct and degraded math rewards; evaluation on AIME/MATH-500/AMC" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      io.reward-signal.cuda="13.0" \
      io.reward-signal.python="3.12" \
      io.reward-signal.verl="0.9.1" \
      io.reward-signal.vllm="0.24.0" \
      io.reward-signal.torch="2.11.0" \
      io.reward-signal.transformers="5.9.0" \
      io.reward-signal.flash-attn="2.8.3" \
      io.reward-signal.math-verify="0.9.0"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HF_HOME=/workspace/cache/huggingface \
    REWARD_SIGNAL_DATA_DIR=/workspace/cache/data \
    REWARD_SIGNAL_RUNS_DIR=/workspace/runs \
    REWARD_SIGNAL_IMAGE=${IMAGE_REF} \
    REWARD_SIGNAL_GIT_COMMIT=${REVISION} \
    WANDB_MODE=offline

# /workspace dirs are world-writable (sticky, like /tmp) so `docker compose` can run as the host
# user (REWARD_SIGNAL_UID) and ./runs stays owned by them.
# Run-time compilers: Triton builds its launcher stub with a C compiler and Python.h at the first
# kernel launch, and vLLM's torch.compile and FlashInfer's JIT need a host C++ compiler, so
# build-essential and python3.12-dev stay in the runtime image. wget: KubeRay (1.5 and older)
# injects wget-based readiness/liveness probes into Ray pods that define none.
# DL3008 ignored for the same reason as in the builder: interpreter, compilers, tini, wget, CA certificates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.12 python3.12-dev build-essential tini wget ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --shell /bin/bash kit \
    && mkdir -p /workspace/runs /workspace/cache/huggingface /workspace/cache/data \
    && chown -R kit:kit /workspace \
    && chmod -R 1777 /workspace/runs /workspace/cache

COPY --from=builder /opt/venv /opt/venv
COPY --chmod=0755 docker/train.sh /usr/local/bin/rs-train
COPY --chmod=0755 docker/wait-for-training.sh /usr/local/bin/rs-wait-for-training
WORKDIR /opt/reward-signal
COPY pyproject.toml README.md ./
COPY reward_signal ./reward_signal
COPY script ./script
COPY data ./data
COPY docker/requirements.lock ./docker/requirements.lock
RUN pip install --no-deps --no-build-isolation --no-index -e . \
    && python -m pip check

USER 10001:10001
WORKDIR /workspace
# A batch image: liveness is the training process itself (the Job/compose restart policy watches it).
HEALTHCHECK NONE
# tini -g: a SIGTERM (preemption, deadline, docker stop) reaches the whole process group, trainer included.
ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
CMD ["reward-signal", "doctor"]
