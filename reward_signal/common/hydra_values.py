"""Python values written in Hydra's override grammar: shared by the launcher and the reward wiring."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"[A-Za-z_/~.][A-Za-z0-9_./:~+@-]*")
_RESERVED = {"true", "false", "null", "none", "nan", "inf", "yes", "no", "on", "off"}


def format_value(value: Any) -> str:
    """A Python value in Hydra's override grammar (quoted where the grammar would misread it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{key}:{format_value(item)}" for key, item in value.items()) + "}"
    text = str(value)
    if _BARE.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
