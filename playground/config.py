"""Server configuration: ``playground.toml`` (optional) plus environment overrides.

The app runs with no file at all. Keys (all optional), with their defaults:

    [models]
    default = "smollm2-135m-instruct"   # catalog name shown first in the picker
    cache_dir = "~/.cache/llm-playground"  # converted copies of embedded models
    trust_remote_code = false            # never on unless an instructor turns it on
    allowed = ["*"]         # models participants may load: ["*"] = any, [] = the catalog's
    memory_budget_mb = 0    # resident models' total; 0 = 85% of GPU memory / half the RAM
    protect_recent_s = 300  # a participant's load never evicts a model used in this time (s)
    cpu_dtype = "auto"      # on a CPU: "auto" (bf16 where the processor has AMX or
                            # avx512_bf16, else float32), "float32" (the tutorial's exact
                            # texts) or "bfloat16"; GPUs always use bf16/fp16

    [service]
    max_queue = 64          # waiting requests per model; more -> "server is busy"
    max_batch_rows = 16     # rows (sequences) one batched step may hold
    max_batch_tokens = 32768  # sum over rows of prompt + max_new_tokens in one batch
    gather_ms = 25          # after a request arrives, wait this long for others to batch with
    continuous = true       # let new requests join a running batch at a step boundary
    request_timeout_s = 300 # a request still running after this is stopped ("timeout")
    scheduler = "fair"      # "fair": row slots shared among participants with work, the least
                            # served first, rows of the others parked for a newcomer; "fifo":
                            # whole requests, first come first served (the old behaviour)
    park_per_step = 4       # rows the fair scheduler may park in one step (0 = never park)
    prefix_cache_mb = 64    # per model: the keys and values of prompt heads the room shares
                            # (a chat template's system prompt), read once and kept; 0 = off

    [limits]                # per-request caps for participants (the instructor's CLI too)
    max_new_tokens = 512
    max_samples = 16        # num_return_sequences per settings variant
    max_rows = 64           # prompts x variants x samples in one request

    [search]                # the RAG page and `python -m playground search/rag`
    provider = "langchain"  # "langchain" (DuckDuckGoSearchResults) or "ddgs" (direct)
    region = "wt-wt"        # DuckDuckGo region; "wt-wt" = no region
    time = "any"            # "any", or d / w / m / y: results from the past day ... year
    max_results = 5         # 1..10 results per search
    cache_ttl_s = 600       # identical searches within this time reuse the results
    min_interval_s = 1.0    # seconds between two searches from this server (whole room)
    timeout_s = 4.0         # one search, retries included, gives up after this long
    cooldown_s = 30         # after "unreachable" or a rate limit, wait before searching again
    docs_dir = ""           # folder of .txt/.md files every participant can retrieve from

    [admin]
    password_env = "PLAYGROUND_ADMIN_PASSWORD"  # env var with the admin page's password
                            # (or st.secrets["admin_password"]); neither set = page disabled

    [room]                  # the workshop as one room (broadcast, lesson plans, board, shares)
    db_path = ""            # the room SQLite file; "" = room.sqlite3 in cache_dir
    lesson_dir = ""         # folder of lesson plans (TOML); "" = the plans shipped with the app
    tokens_per_minute = 0   # generated tokens one session may use per minute; 0 = no limit
    max_waiting = 0         # requests one session may have waiting or running; 0 = no limit
    posts_per_minute = 4    # posts to the room board per participant (browser) and minute
    room_posts_per_minute = 60  # posts of the whole room per minute (0 = no cap): a backstop
                            # for a participant whose browser keeps no cookie

    [training]              # the fine-tuning lab (playground.tuning)
    concurrency = 1         # training jobs run at once (the others wait in line); 1 on a CPU
    threads = 0             # torch threads of a training job; 0 = every core (it runs niced)
    nice = 19               # the training process's niceness: generation goes first
    max_steps = 400         # forward steps (batches) one training job may take
    adapters_per_session = 3  # a participant's adapters kept (oldest removed first)
    max_records = 2000      # records one training set may hold

    [ui]
    language = "en"         # "en" or "ja": the language of a session with no ?lang= or choice

    [[catalog]]             # extra models, one table each (repeatable); e.g. a remote engine:
    name = "llama-3-8b (vLLM)"  # shown in the picker
    source = "openai"       # "openai" (OpenAI-compatible server), "hf" or "local"
    location = "meta-llama/Meta-Llama-3-8B-Instruct"  # the model id on the server
    base_url = "http://gpu-box:8000/v1"
    api_key_env = ""        # env var holding the server's API key ("" = none needed)
    chat = true             # chat messages (chat/completions) or raw text (completions)
    unsupported = ["epsilon_cutoff"]  # settings the engine cannot honour: reported, not sent
    engine = "vllm"         # optional: vllm, llama.cpp, transformers, tgi, ollama, openai (else detected)
    description = ""

Environment: PLAYGROUND_CONFIG (path of the toml), PLAYGROUND_CACHE_DIR (overrides cache_dir),
PLAYGROUND_ROOM_DB (overrides room.db_path), PLAYGROUND_CPU_DTYPE (overrides models.cpu_dtype).

Top level, beside ``errors``: may import only ``errors``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from playground.errors import PlaygroundError


CPU_DTYPES = ("float32", "bfloat16", "auto")


@dataclass(frozen=True)
class ModelsConfig:
    default: str = "smollm2-135m-instruct"
    cache_dir: str = "~/.cache/llm-playground"
    trust_remote_code: bool = False
    allowed: tuple[str, ...] = ("*",)
    memory_budget_mb: float = 0.0
    protect_recent_s: float = 300.0  # a participant's load never evicts a model used this recently
    cpu_dtype: str = "auto"  # "auto" | "float32" | "bfloat16": the dtype of models on a CPU

    def __post_init__(self) -> None:
        if self.cpu_dtype not in CPU_DTYPES:
            raise PlaygroundError(f"playground.toml: [models] cpu_dtype must be one of "
                                  f"{', '.join(CPU_DTYPES)}, got {self.cpu_dtype!r}")


@dataclass(frozen=True)
class ServiceConfig:
    max_queue: int = 64
    max_batch_rows: int = 16
    max_batch_tokens: int = 32768
    gather_ms: float = 25.0
    continuous: bool = True
    request_timeout_s: float = 300.0
    scheduler: str = "fair"  # "fair" (a share of the row slots per participant) | "fifo"
    park_per_step: int = 4   # rows the fair scheduler may park in one step for others
    prefix_cache_mb: float = 64.0  # shared prompt heads kept per model; 0 = every prompt whole

    def __post_init__(self) -> None:
        if self.scheduler not in ("fair", "fifo"):
            raise PlaygroundError(f"playground.toml: [service] scheduler must be fair or fifo, "
                                  f"got {self.scheduler!r}")
        if (not isinstance(self.prefix_cache_mb, (int, float))
                or isinstance(self.prefix_cache_mb, bool)
                or not 0 <= self.prefix_cache_mb <= 65536):
            raise PlaygroundError(f"playground.toml: [service] prefix_cache_mb must be in "
                                  f"0..65536, got {self.prefix_cache_mb}")
        if not 0 <= self.park_per_step <= 64:
            raise PlaygroundError(f"playground.toml: [service] park_per_step must be in 0..64, "
                                  f"got {self.park_per_step}")


@dataclass(frozen=True)
class LimitsConfig:
    max_new_tokens: int = 512
    max_samples: int = 16
    max_rows: int = 64


@dataclass(frozen=True)
class SearchConfig:
    provider: str = "langchain"
    region: str = "wt-wt"
    time: str = "any"
    max_results: int = 5
    cache_ttl_s: float = 600.0
    min_interval_s: float = 1.0
    timeout_s: float = 4.0
    cooldown_s: float = 30.0
    docs_dir: str = ""


@dataclass(frozen=True)
class AdminConfig:
    password_env: str = "PLAYGROUND_ADMIN_PASSWORD"


@dataclass(frozen=True)
class RoomConfig:
    db_path: str = ""
    lesson_dir: str = ""
    tokens_per_minute: int = 0
    max_waiting: int = 0
    posts_per_minute: int = 4
    room_posts_per_minute: int = 60


@dataclass(frozen=True)
class TrainingConfig:
    concurrency: int = 1
    threads: int = 0
    nice: int = 19
    max_steps: int = 400
    adapters_per_session: int = 3
    max_records: int = 2000


@dataclass(frozen=True)
class UiConfig:
    language: str = "en"

    def __post_init__(self) -> None:
        if self.language not in ("en", "ja"):
            raise PlaygroundError(f"playground.toml: [ui] language must be en or ja, "
                                  f"got {self.language!r}")


_ENGINES = ("vllm", "llama.cpp", "transformers", "tgi", "ollama", "openai")
_SETTINGS = ("temperature", "top_p", "top_k", "min_p", "epsilon_cutoff", "seed")


@dataclass(frozen=True)
class CatalogEntry:
    name: str = ""
    location: str = ""
    source: str = "openai"
    base_url: str = ""
    api_key_env: str = ""
    chat: bool = True
    unsupported: tuple[str, ...] = ()
    description: str = ""
    engine: str = ""  # vllm, llama.cpp, transformers, tgi, ollama, openai; "" = detect

    def __post_init__(self) -> None:
        object.__setattr__(self, "unsupported", tuple(self.unsupported))
        where = f"playground.toml: [[catalog]] {self.name!r}"
        if not self.name.strip():
            raise PlaygroundError("playground.toml: every [[catalog]] table needs a name")
        if self.source not in ("openai", "hf", "local"):
            raise PlaygroundError(f"{where}: source must be openai, hf or local")
        if self.source == "openai" and not self.base_url.startswith(("http://", "https://")):
            raise PlaygroundError(f"{where}: base_url must be an http(s):// address")
        if self.engine and self.engine not in _ENGINES:
            raise PlaygroundError(f"{where}: engine may be {', '.join(_ENGINES)}; "
                                  f"got {self.engine!r}")
        bad = [u for u in self.unsupported if u not in _SETTINGS]
        if bad:
            raise PlaygroundError(f"{where}: unsupported may list {', '.join(_SETTINGS)}; "
                                  f"got {', '.join(bad)}")


@dataclass(frozen=True)
class Config:
    models: ModelsConfig = field(default_factory=ModelsConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    admin: AdminConfig = field(default_factory=AdminConfig)
    room: RoomConfig = field(default_factory=RoomConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    catalog: tuple[CatalogEntry, ...] = ()

    @property
    def cache_dir(self) -> Path:
        override = os.environ.get("PLAYGROUND_CACHE_DIR")
        return Path(override or self.models.cache_dir).expanduser()

    @property
    def room_db_path(self) -> Path:
        """The room's SQLite file: ``[room] db_path``, $PLAYGROUND_ROOM_DB, or in the cache_dir."""
        override = os.environ.get("PLAYGROUND_ROOM_DB") or self.room.db_path
        return Path(override).expanduser() if override else self.cache_dir / "room.sqlite3"


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
        return _env_overrides(Config())
    from playground.textfiles import TextFileError, check_nesting, read_text

    try:  # bounded, regular files only, nesting checked before the parser recurses
        text = read_text(p, 256 * 1024, what="configuration")
        check_nesting(text, str(p))
        data = tomllib.loads(text)
    except TextFileError as err:
        raise PlaygroundError(str(err)) from None
    except tomllib.TOMLDecodeError as err:
        raise PlaygroundError(f"{p}: not valid TOML ({err})") from None
    return _env_overrides(Config(
                  models=_section(ModelsConfig, data.get("models", {}), "models"),
                  service=_section(ServiceConfig, data.get("service", {}), "service"),
                  limits=_section(LimitsConfig, data.get("limits", {}), "limits"),
                  search=_section(SearchConfig, data.get("search", {}), "search"),
                  admin=_section(AdminConfig, data.get("admin", {}), "admin"),
                  room=_section(RoomConfig, data.get("room", {}), "room"),
                  ui=_section(UiConfig, data.get("ui", {}), "ui"),
                  training=_section(TrainingConfig, data.get("training", {}), "training"),
                  catalog=tuple(_section(CatalogEntry, t, "[catalog]")
                                for t in data.get("catalog", []))))


def _env_overrides(config: Config) -> Config:
    """$PLAYGROUND_CPU_DTYPE over ``[models] cpu_dtype`` (checked like the file's value)."""
    dtype = os.environ.get("PLAYGROUND_CPU_DTYPE")
    if not dtype:
        return config
    from dataclasses import replace

    return replace(config, models=replace(config.models, cpu_dtype=dtype))
