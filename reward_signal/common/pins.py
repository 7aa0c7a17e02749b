"""The image's pinned versions: the one place they are written.

The Dockerfile, docker/requirements.in and .lock, the launcher's expected VERL version,
`reward-signal doctor` and README all must agree with this table; tests/unit/deploy/test_image_pins.py checks it.
"""

from __future__ import annotations

# Python distribution name -> exact version installed in the CUDA image.
IMAGE_PINS: dict[str, str] = {
    "verl": "0.9.1",
    "vllm": "0.24.0",
    "torch": "2.11.0",
    "transformers": "5.9.0",
    "flash-attn": "2.8.3",
    "math-verify": "0.9.0",
}
# Lowest versions the image may hold, for packages pinned by the resolver rather than by us. VERL's
# trainer needs hydra-core 1.3 / omegaconf 2.3; when another package pins antlr4 differently, a resolver
# falls back to hydra-core 0.11 / omegaconf 1.4, which install cleanly and then break
# `import verl.trainer.main_ppo` (no `omegaconf.MISSING`).
IMAGE_FLOORS: dict[str, str] = {
    "hydra-core": "1.3",
    "omegaconf": "2.3",
}
# Compiled in the image's builder stage from docker/flash-attn.lock, so absent from requirements.lock
# and from any CPU-only copy of the image's Python environment.
BUILT_FROM_SOURCE = ("flash-attn",)
CUDA_VERSION = "13.0"
# The first Linux driver of CUDA 13.0 (R580 branch): older drivers cannot run the image's CUDA libraries.
MIN_DRIVER = "580.65.06"
IMAGE_PYTHON = "3.12"

# The launcher renders overrides for exactly this VERL: its config keys moved between releases.
VERL_VERSION = IMAGE_PINS["verl"]
