"""The image's pinned versions: the one place they are written.

The Dockerfile, docker/requirements.in and .lock, the launcher's expected VERL version,
`reward-signal doctor` and README all must agree with this table; tests/unit/test_pins.py checks it.
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
CUDA_VERSION = "13.0"
IMAGE_PYTHON = "3.12"

# The launcher renders overrides for exactly this VERL: its config keys moved between releases.
VERL_VERSION = IMAGE_PINS["verl"]
