"""Server configuration: ``playground.toml`` (optional) plus environment overrides.

The app runs with no file at all. Keys (all optional), with their defaults:

    [models]
    default = "smollm2-135m-instruct"   # catalog name shown first in the picker
    cache_dir = "~/.cache/llm-playground"  # converted copies of embedded models
    trust_remote_code = false            # never on unless an instructor turns it on

    [service]
    max_queue = 64          # waiting requests per model; more -> "server is busy"
    max_batch_rows = 16     # rows (sequences) one batched step may hold

Environment: PLAYGROUND_CONFIG (path of the toml), PLAYGROUND_CACHE_DIR (overrides cache_dir).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from playground.errors import PlaygroundError


@dataclass(frozen=True)
class ModelsConfig:
    default: str = "smollm2-135m-instruct"
    cache_dir: str = "~/.cache/llm-playground"
    trust_remote_code: bool = False


@dataclass(frozen=True)
class ServiceConfig:
    max_queue: int = 64
    max_batch_rows: int = 16


@dataclass(frozen=True)
class Config:
    models: ModelsConfig = field(default_factory=ModelsConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)

    @property
    def cache_dir(self) -> Path:
        override = os.environ.get("PLAYGROUND_CACHE_DIR")
        return Path(override or self.models.cache_dir).expanduser()


def _section(cls, data: dict[str, Any], name: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PlaygroundError(f"playground.toml: unknown key(s) in [{name}]: {', '.join(unknown)}")
    return cls(**data)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the toml named by ``path``, $PLAYGROUND_CONFIG, or ./playground.toml if present."""
    path = path or os.environ.get("PLAYGROUND_CONFIG") or "playground.toml"
    p = Path(path)
    if not p.exists():
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise PlaygroundError(f"{p}: not valid TOML ({err})") from None
    return Config(models=_section(ModelsConfig, data.get("models", {}), "models"),
                  service=_section(ServiceConfig, data.get("service", {}), "service"))
