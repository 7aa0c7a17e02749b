"""Kubernetes object names derived from experiment names: deterministic, DNS-1123, length-bounded."""

from __future__ import annotations

import hashlib
import re

# A Job's name becomes the `job-name` label of its pods, and label values stop at 63 characters.
JOB_NAME_LIMIT = 63
# KubeRay derives RayCluster, head Service and pod names from the RayJob's name plus suffixes,
# so it refuses RayJob names longer than this.
RAYJOB_NAME_LIMIT = 47
PREFIX = "rs"
_HASH_CHARS = 8


def k8s_name(experiment: str, component: str, limit: int = JOB_NAME_LIMIT) -> str:
    """`rs-<experiment>-<component>`, made DNS-1123 and at most `limit` characters long.

    When the experiment name had to change (other characters, or too long), an 8-character hash
    of the original name is kept in the result so that two experiments never share an object name.
    """
    slug = re.sub(r"[^a-z0-9-]+", "-", experiment.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    plain = f"{PREFIX}-{slug}-{component}"
    if slug == experiment and len(plain) <= limit:
        return plain
    digest = hashlib.sha256(experiment.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    room = limit - len(f"{PREFIX}--{digest}-{component}")
    if room < 1:
        raise ValueError(f"component {component!r} leaves no room for the experiment in {limit} characters")
    short = slug[:room].rstrip("-")
    return f"{PREFIX}-{short}-{digest}-{component}" if short else f"{PREFIX}-{digest}-{component}"
