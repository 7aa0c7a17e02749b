"""One metric over training steps: the unit of every curve the report reads, derives and draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Series:
    """One metric over training steps, with the key (or derivation) it came from."""

    source: str
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)
