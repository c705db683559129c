"""
Lighthouse on the reader site: home, a section and an article, mobile and desktop.

    .venv/bin/python tools/webchecks/lighthouse.py           # scores, reports in artifacts/lighthouse/
    .venv/bin/python tools/webchecks/lighthouse.py --check   # and exit 1 below target (CI)

It serves the demo newsroom as production would: ``load_demo`` into a fresh SQLite database in a
temporary folder, ``collectstatic`` (hashed, compressed), DEBUG off, gunicorn on a free port with
the page cache on. Media are served by WhiteNoise wrapped around the WSGI app (``media_app()``),
standing in for nginx. Lighthouse is the pinned npm package in this folder (``npm ci`` here) and
runs Debian's Chromium (``CHROME_PATH``, ``/usr/bin/chromium`` by default).

Targets: accessibility, best practices and SEO 100 on every run (``--check`` fails below);
performance is printed and recorded but not checked, since a shared CI machine is too noisy for
it (the README's target is 95, measured on a quiet machine).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
CHECKED = ("accessibility", "best-practices", "seo")
CATEGORIES = ("performance", *CHECKED)
PRESETS = ("mobile", "desktop")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
ATTEMPTS = 3


def media_app():
    """gunicorn's app (``lighthouse:media_app()``): Django, with MEDIA_ROOT served as nginx would."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from whitenoise import WhiteNoise

    application = WhiteNoise(get_wsgi_application())
    application.add_files(str(settings.MEDIA_ROOT), prefix=settings.MEDIA_URL)
    return application


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(environment, *args):
    """``manage.py ...`` started (its output kept from the console); wait on it with ``finish``."""
    return subprocess.Popen(
        [str(PYTHON), "manage.py", *args],
        cwd=REPO,
        env=environment,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process):
    output, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(process.args[1:])} failed:\n{output}")
    return output


# The pages audited: the newest story with a lead photo, and its section.
PAGES_SCRIPT = """
import json
from articles.models import Article
story = Article.objects.published().filter(lead_photo__isnull=False).order_by("-written_at").first()
pages = {"home": "/", "section": story.section.get_absolute_url(), "article": story.get_absolute_url()}
print(json.dumps(pages))
"""


def wait_for(url, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def lighthouse(url, preset, report_path, chrome):
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report_path}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    # Lighthouse now and then fails to record a trace (NO_NAVSTART, NO_FCP) on a loaded machine:
    # that run has no scores at all, so it is run again rather than counted.
    for attempt in range(1, ATTEMPTS + 1):
        environment = {**os.environ, "CHROME_PATH": chrome}
        completed = subprocess.run(command, env=environment, timeout=300, check=False)
        if completed.returncode == 0:
            report = json.loads(report_path.read_text())
            if not report.get("runtimeError"):
                return report
        print(f"Lighthouse run {attempt} of {ATTEMPTS} failed on {url} ({preset})", flush=True)
    raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url} ({preset})")


def failures(report, category):
    """The audits that cost ``category`` points: ``id (score): title``."""
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            found.append(f"{audit['id']} ({audit['score']}): {audit['title']}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked category is below 100")
    parser.add_argument("--out", type=Path, default=REPO / "artifacts" / "lighthouse")
    options = parser.parse_args()

    chrome = os.environ.get("CHROME_PATH") or os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    missing = [str(p) for p in (LIGHTHOUSE, Path(chrome)) if not p.exists()] + (
        [] if shutil.which("node") else ["node"]
    )
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (make webchecks; apt-get install chromium)")
    options.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        folder = Path(folder)
        port = free_port()
        environment = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.urandom(32).hex(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "MEDIA_ROOT": str(folder / "media"),
            "ORIGINALS_ROOT": str(folder / "originals"),
            "CACHE_DIR": str(folder / "cache"),
            "DEMO_PASSWORD": os.urandom(16).hex(),
            "PORT": str(port),
        }
        print("Loading the demo newsroom and collecting static files", flush=True)
        # collectstatic (hashing and compressing every file) is the slow step and needs no
        # database: it runs beside migrate and load_demo.
        collectstatic = manage(environment, "collectstatic", "--no-input", "-v", "0")
        finish(manage(environment, "migrate", "--no-input", "-v", "0"))
        finish(manage(environment, "load_demo"))
        pages = json.loads(finish(manage(environment, "shell", "-v", "0", "-c", PAGES_SCRIPT)))
        finish(collectstatic)

        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "gunicorn"), "--chdir", str(REPO), "--pythonpath", str(HERE),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning",
             "lighthouse:media_app()"],
            env=environment,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(base + "/", server)
            results = []
            for name, path in pages.items():
                for preset in PRESETS:
                    report = lighthouse(base + path, preset, options.out / f"{name}-{preset}.json", chrome)
                    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
                    results.append((name, preset, path, scores, report))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    below = []
    first = results[0][4]
    print(f"\nLighthouse {first['lighthouseVersion']} ({first['environment']['hostUserAgent']})")
    print(f"{'page':<8} {'preset':<8} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    for name, preset, path, scores, report in results:
        print(f"{name:<8} {preset:<8} " + " ".join(f"{scores[c]:>15}" for c in CATEGORIES))
        for category in CATEGORIES:
            if scores[category] < 100:
                for failure in failures(report, category):
                    print(f"    {category}: {failure}")
            if category in CHECKED and scores[category] < 100:
                below.append(f"{name} ({preset}, {path}): {category} {scores[category]}")
    (options.out / "summary.json").write_text(
        json.dumps([{"page": n, "preset": p, "path": u, "scores": s} for n, p, u, s, _ in results], indent=2)
    )
    if below:
        print("\nBelow 100:\n  " + "\n  ".join(below))
        if options.check:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
