"""Where the built documentation lives, and a local server for it (shared by the docs tests)."""

from __future__ import annotations

import functools
import http.server
import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SITE = DOCS / "_build" / "html"
SCREENSHOTS = DOCS / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")

SITE_MISSING = (
    f"the documentation is not built ({SITE / 'index.html'} is absent): run `make docs` "
    "(`make test` builds it before the tests)"
)


def site_built() -> bool:
    return (SITE / "index.html").is_file()


def docs_extension(name: str = "memnets_docs") -> ModuleType:
    """Import a module of ``docs/_ext`` (the Sphinx extension that generates the API pages)."""
    ext = str(DOCS / "_ext")
    if ext not in sys.path:
        sys.path.insert(0, ext)
    return importlib.import_module(name)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path = SITE) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
