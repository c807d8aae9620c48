"""``nbconv cache list|show KEY|clear [--older-than DAYS]``: look after the execution cache.

The folder is ``--cache DIR``, else ``NBCONV_CACHE``, else the ``cache`` key of the
config file that ``nbconv`` itself would read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from converter.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nbconv cache", description="Look after the execution cache (--cache DIR).")
    parser.add_argument("--cache", metavar="DIR", help="the cache folder (default: NBCONV_CACHE or the config file)")
    folder = argparse.ArgumentParser(add_help=False)  # --cache after the command works too
    folder.add_argument("--cache", metavar="DIR", default=argparse.SUPPRESS, help="the cache folder")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", parents=[folder], help="one line per entry, least recently used first")
    show = commands.add_parser("show", parents=[folder], help="what an entry holds (KEY or a unique prefix of it)")
    show.add_argument("key", metavar="KEY")
    clear = commands.add_parser("clear", parents=[folder], help="remove entries")
    clear.add_argument("--older-than", type=float, metavar="DAYS",
                       help="only entries last used more than DAYS days ago")
    return parser


def cache_folder(given: str | None) -> Path | None:
    if given:
        return Path(given)
    if os.environ.get("NBCONV_CACHE"):
        return Path(os.environ["NBCONV_CACHE"])
    from converter.config import find_config_file, user_config_file

    for config in (find_config_file(Path.cwd()), user_config_file(os.environ)):  # the project's first
        value = config.table.get("cache") if config else None
        if isinstance(value, str) and value:
            # relative to the file's folder, as nbconv reads it (converter.config.FILE_RELATIVE)
            return config.path.parent / value
    return None


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    try:
        folder = cache_folder(args.cache)
    except ConfigError as error:
        print(f"nbconv: error: {error}", file=sys.stderr)
        return error.exit_code
    if folder is None:
        parser.error("no cache folder: give --cache DIR (or set NBCONV_CACHE, or cache = \"DIR\" in the config)")
    from converter.execute.cache import ExecutionCache

    cache = ExecutionCache(folder)
    if args.command == "list":
        entries = cache.entries()
        for info in entries:
            used = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.last_used))
            print(f"{info.key[:16]}  {used}  {info.size / 1024:8.1f} KB  {info.kernel:<10} {info.notebook}")
        print(f"{len(entries)} entries, {sum(i.size for i in entries) / 1024 ** 2:.1f} MB in {folder}", file=sys.stderr)
        return 0
    if args.command == "show":
        entry = cache.show(args.key)
        if entry is None:
            print(f"nbconv: error: {folder}: no single readable entry matches {args.key!r}", file=sys.stderr)
            return 3
        print(json.dumps(entry, indent=1, ensure_ascii=False))
        return 0
    days = args.older_than
    if days is not None and days < 0:
        parser.error("--older-than needs a number of days of at least 0")
    removed = cache.clear(None if days is None else days * 86400)
    print(f"removed {removed} entries from {folder}", file=sys.stderr)
    return 0
