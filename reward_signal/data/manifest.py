"""The pinned dataset manifest (`data/manifest.yaml`) and name -> local file resolution.

Every dataset the kit trains or evaluates on is named here with the URL pinned to the seed commit,
its sha256 and its row count, so a name always means the same bytes on every machine.
"""

from __future__ import annotations

import difflib
import functools
import os
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reward_signal.common.errors import DataError
from reward_signal.common.paths import REPO_ROOT, data_dir

DEFAULT_MANIFEST = REPO_ROOT / "data" / "manifest.yaml"


class Source(BaseModel):
    """The public repository and commit every URL is pinned to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    repository: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")


class DatasetEntry(BaseModel):
    """One file: where it comes from, where it goes, and what it must hash to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    role: Literal["train", "eval"]
    description: str
    path: str
    url: str = Field(pattern=r"^https://")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rows: int = Field(gt=0)

    @model_validator(mode="after")
    def _relative_path(self) -> DatasetEntry:
        pure = PurePosixPath(self.path)
        if pure.is_absolute() or ".." in pure.parts or pure.suffix != ".parquet":
            raise ValueError(f"path {self.path!r} must be a relative .parquet path without '..'")
        return self


class Manifest(BaseModel):
    """All datasets; names and paths are unique and every URL is pinned to `source.commit`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: Source
    datasets: list[DatasetEntry]

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        for attr in ("name", "path"):
            values = [getattr(entry, attr) for entry in self.datasets]
            repeated = sorted({value for value in values if values.count(value) > 1})
            if repeated:
                raise ValueError(f"duplicate dataset {attr}(s): {', '.join(repeated)}")
        for entry in self.datasets:
            if f"/{self.source.commit}/" not in entry.url or not entry.url.endswith("/" + entry.path):
                raise ValueError(
                    f"{entry.name}: url must be pinned to commit {self.source.commit} and end with its path"
                )
        return self

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.datasets]

    def get(self, name: str) -> DatasetEntry:
        """The entry called `name`, or a DataError listing the close matches and all names."""
        for entry in self.datasets:
            if entry.name == name:
                return entry
        close = difflib.get_close_matches(name, self.names, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise DataError(f"unknown dataset {name!r}.{hint} Known: {', '.join(self.names)}")


def manifest_path() -> Path:
    """$REWARD_SIGNAL_MANIFEST or the repository's `data/manifest.yaml`."""
    return Path(os.environ.get("REWARD_SIGNAL_MANIFEST", DEFAULT_MANIFEST))


@functools.cache
def _load(path: Path) -> Manifest:
    import yaml

    if not path.is_file():
        raise DataError(f"dataset manifest {path} not found; set REWARD_SIGNAL_MANIFEST to its location")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Manifest.model_validate(raw)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in exc.errors())
        raise DataError(f"{path}: invalid manifest: {details}") from exc


def load_manifest(path: Path | str | None = None) -> Manifest:
    """Parse and check the manifest (cached per path)."""
    return _load(Path(path) if path is not None else manifest_path().resolve())


def dataset_path(name_or_path: str | Path) -> Path:
    """An existing file path as is, or a manifest name resolved to its fetched file under `data_dir()`."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    manifest = load_manifest()
    name = str(name_or_path)
    if name not in manifest.names and (candidate.suffix or len(candidate.parts) > 1):
        raise DataError(f"{candidate}: no such file (and not a dataset name in {manifest_path()})")
    entry = manifest.get(name)
    target = data_dir() / entry.path
    if not target.is_file():
        raise DataError(
            f"dataset {entry.name!r} is not fetched yet ({target} missing): "
            f"run `reward-signal data fetch --only {entry.name}`"
        )
    return target
