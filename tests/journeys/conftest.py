"""A project folder running `takedown up` on its shipped defaults, driven as a user drives it.

Commands run as subprocesses from the project folder with no TAKEDOWN_* variable, as the README
says to run them. The one exception is TAKEDOWN_FETCH_ALLOW_LOOPBACK for `up`, which the README's
"First hour" names for trying a leak site on this machine: the worker refuses loopback otherwise.
"""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browser.conftest import DESKTOP, PHONE, Network, open_page
from tests.conftest import free_port
from tests.harness import ContentServer, ctrl_c_works

TAKEDOWN = str(Path(sys.executable).parent / "takedown")
STARTUP_SECONDS = 120
COMMAND_SECONDS = 120


LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def user_environment() -> dict[str, str]:
    """This shell's environment without any TAKEDOWN_* setting, in English (the tests read it)."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TAKEDOWN_") and k not in LOCALE_VARIABLES
    }
    return kept | {"LANG": "C.UTF-8"}


class Installation:
    """`takedown up` running in a project folder, and the commands a user types there."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        env = user_environment() | {"TAKEDOWN_FETCH_ALLOW_LOOPBACK": "true"}
        self.process = subprocess.Popen(
            [TAKEDOWN, "up", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=ctrl_c_works,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_running(self) -> str:
        """The line that says takedown is running, once it is printed."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise AssertionError("takedown up exited:\n" + "".join(self.output)) from None
                continue
            if line.startswith("takedown is running"):
                return line
        raise AssertionError("takedown up never said it was running:\n" + "".join(self.output))

    def takedown(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run one takedown command from the project folder, as the README shows it."""
        done = subprocess.run(
            [TAKEDOWN, *args],
            cwd=self.folder,
            env=user_environment(),
            input=input,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"takedown {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done

    def get(self, path: str) -> int:
        """The HTTP status of a GET on the running service."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:  # noqa: S310
            return int(response.status)

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return int(self.process.returncode)


def leak_page(server: ContentServer, photo: Path) -> str:
    """A page on a leak site showing one of the photos, re-encoded, beside an unrelated image."""
    with Image.open(photo) as image:
        leaked = io.BytesIO()
        image.resize((300, 300)).save(leaked, "JPEG", quality=70)
    other = io.BytesIO()
    Image.effect_mandelbrot((300, 300), (-2, -1.5, 1, 1.5), 80).convert("RGB").save(other, "PNG")
    server.add("/img/leak.jpg", "image/jpeg", leaked.getvalue())
    server.add("/img/other.png", "image/png", other.getvalue())
    html = b"<html><body><img src='/img/leak.jpg'><img src='/img/other.png'></body></html>"
    return server.add("/gallery.html", "text/html", html)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, a module's journeys stay on one worker: one `takedown up` each, not three."""
    for item in items:
        if isinstance(item, pytest.Function) and "installation" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group(f"installation-{item.module.__name__}"))


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """A fresh project folder with `takedown up` running in it."""
    running = Installation(tmp_path_factory.mktemp("project"), free_port())
    try:
        running.wait_running()
        yield running
    finally:
        stopped = running.stop()
    assert stopped == 0, "".join(running.output)
    assert "takedown stopped." in "".join(running.output)


@pytest.fixture
def network(installation: Installation) -> Network:
    """What the pages ask for: only the installation's origin is reachable."""
    return Network(origin=installation.url)


@pytest.fixture
def desktop(browser: Browser, network: Network) -> Iterator[Page]:
    """A 1280 px Chromium page, network closed but for the installation."""
    page = open_page(browser, network, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser: Browser, network: Network) -> Iterator[Page]:
    """A 375 px Chromium page, network closed but for the installation."""
    page = open_page(browser, network, PHONE)
    yield page
    page.context.close()
