"""The viewer's settings: one dataclass, filled by ``nbconv serve`` and read by the app.

uvicorn starts worker processes by importing the app, so the settings travel to them
as JSON in an environment variable.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

ENV_VAR = "NBCONV_VIEWER_CONFIG"
MiB = 1024 * 1024


@dataclass
class ViewerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    allow_networks: list[str] = field(default_factory=list)
    cache: str = "memory"
    cache_ttl: float = 600.0
    cache_bytes: int = 256 * MiB
    max_bytes: int = 20 * MiB
    connect_timeout: float = 5.0
    timeout: float = 30.0
    render_workers: int = 0  # per server worker process; 0: one per core
    render_timeout: float = 30.0
    max_pending: int = 64
    limit_concurrency: int = 0  # 0: derived from the file-descriptor limit (see limits.py)
    header_timeout: float = 10.0
    keep_alive_timeout: float = 5.0
    base_url: str = "/"                      # serve under this prefix (behind a proxy or JupyterHub)
    github_url: str = "https://github.com"
    github_api_url: str = "https://api.github.com"
    github_raw_url: str = "https://raw.githubusercontent.com"
    gist_url: str = "https://gist.github.com"
    gitlab_urls: list[str] = field(default_factory=lambda: ["https://gitlab.com"])
    binder_url: str = "https://mybinder.org"
    localfiles: str = ""                     # a folder served at /localfiles/ ("" : none)
    frontpage: str = ""                      # a JSON gallery for the front page
    log_level: str = "info"

    def to_environment(self) -> None:
        os.environ[ENV_VAR] = json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> "ViewerConfig":
        data = os.environ.get(ENV_VAR)
        return cls(**json.loads(data)) if data else cls()
