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

# ---------------------------------------------------------------------------------------------
# builder: a venv with the locked packages plus flash-attn compiled against the locked torch.
FROM nvidia/cuda:${CUDA_TAG}-devel-ubuntu24.04${CUDA_DEVEL_DIGEST:+@}${CUDA_DEVEL_DIGEST} AS builder

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# DL3008 ignored: Ubuntu's archive drops superseded package versions, so exact apt pins break
# rebuilds; the base digest fixes the OS, and the Python stack (what results depend on) is hash-locked.
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

# flash-attn 2.8.3 is source-only on PyPI. FORCE_BUILD stops its setup.py from fetching a prebuilt
# wheel from the network; MAX_JOBS bounds parallel nvcc jobs (each can take several GB of RAM);
# FLASH_ATTN_CUDA_ARCHS lists the GPU generations compiled for (A100, H100, B200, RTX Blackwell).
ARG MAX_JOBS=4
ARG NVCC_THREADS=2
ARG FLASH_ATTN_CUDA_ARCHS="80;90;100;120"
COPY docker/flash-attn.lock /tmp/flash-attn.lock
RUN FLASH_ATTENTION_FORCE_BUILD=TRUE MAX_JOBS="${MAX_JOBS}" NVCC_THREADS="${NVCC_THREADS}" \
    FLASH_ATTN_CUDA_ARCHS="${FLASH_ATTN_CUDA_ARCHS}" CUDA_HOME=/usr/local/cuda \
    pip install --require-hashes --no-deps --no-build-isolation --no-binary flash-attn -r /tmp/flash-attn.lock

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
