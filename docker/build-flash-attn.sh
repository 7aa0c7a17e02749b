#!/bin/bash
# Compile the flash-attn wheel against the locked torch, resumably (in a CUDA devel image, as root).
# Used by the Dockerfile's flash-attn-from-source stage and by the image workflow's flash-attn job.
# Usage: build-flash-attn.sh WHEEL_DIR BUILD_DIR
#   WHEEL_DIR gets flash_attn-*.whl; BUILD_DIR keeps the unpacked sdist and ninja's objects, so a run
#   cut short (timeout, runner limit) resumes where it stopped when BUILD_DIR is kept.
# Environment: MAX_JOBS (default 1: each nvcc job can take 8+ GB with CUDA 13), NVCC_THREADS (2),
#   FLASH_ATTN_CUDA_ARCHS ("80;90;100;120": A100, H100, B200, RTX Blackwell), VENV (/opt/flash-attn-venv).
set -euo pipefail
if [[ $# -ne 2 ]]; then
    echo "usage: build-flash-attn.sh WHEEL_DIR BUILD_DIR" >&2
    exit 2
fi
wheels=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-/opt/flash-attn-venv}
mkdir -p "$wheels" "$build"

[[ -x "$venv/bin/python" ]] || python3.12 -m venv "$venv"
"$venv/bin/pip" install --no-cache-dir --require-hashes --only-binary :all: --no-deps -r "$here/flash-attn-build.lock"
# Freshly installed headers must not look newer than objects kept from an earlier attempt.
find "$venv" -exec touch -h -t 197001010000 {} +

if [[ ! -f "$build/src/setup.py" ]]; then
    "$venv/bin/pip" download --no-cache-dir --require-hashes --no-deps --no-binary :all: \
        -r "$here/flash-attn.lock" -d "$build/sdist"
    mkdir -p "$build/src"
    tar -xzf "$build"/sdist/flash_attn-*.tar.gz -C "$build/src" --strip-components=1
fi
cd "$build/src"
FLASH_ATTENTION_FORCE_BUILD=TRUE MAX_JOBS="${MAX_JOBS:-1}" NVCC_THREADS="${NVCC_THREADS:-2}" \
    FLASH_ATTN_CUDA_ARCHS="${FLASH_ATTN_CUDA_ARCHS:-80;90;100;120}" CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}" \
    PATH="$venv/bin:$PATH" "$venv/bin/python" setup.py bdist_wheel --dist-dir "$wheels"
sha256sum "$wheels"/flash_attn-*.whl
