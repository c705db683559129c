"""
`make bench`: the reader-performance benchmark of the issue "Reader performance", in one run.

    .venv/bin/python bench/run.py [--label after|baseline] [--rounds 3] [--duration 10] [--regenerate]

1. Installs nginx and wrk with apt-get if either is missing (Debian), creates the PostgreSQL
   database ``newsroom_bench`` if needed, migrates it and collects static files.
2. Generates the newsroom (``manage.py generate_newsroom``: 100,000 stories...) unless it is
   already there (``--regenerate`` starts again), and keeps the time it took. The command is the
   bench app's (bench/management/), installed only because every command here runs with
   ``NEWSROOM_BENCH=1``; its ``--reset`` empties only a database named for benchmarks.
3. Starts gunicorn (bench/gunicorn.conf.py: 2 sync workers, 127.0.0.1:8001) and nginx
   (bench/nginx.conf: the cache on 127.0.0.1:8080, a static copy of the article page on 8081),
   with the bench's own Redis database and nginx cache emptied first.
4. Measures with wrk, one scenario after another (the first round after a short warm-up):
     a  a bare Django view returning "ok" (through all the middleware): the ceiling for Django
     b  nginx serving the article's HTML from a file: the ceiling for any server here
     c  the article through gunicorn, from Django's page cache (X-Page-Cache: HIT)
     d  the article through nginx's cache (X-Cache-Status: HIT)
     e  the article rendered afresh: ``Cookie: sessionid=x`` makes the page cache step aside, as
        it does for staff; the key is not a valid session key, so no session is looked up and the
        page is exactly what an anonymous reader gets, rendered on every request
     f  the home page, rendered afresh (same cookie)
     g  the first section's page 1 and page 2,000, rendered afresh (same cookie)
     s  a full-text search (``SEARCH_QUERY``) rendered afresh (same cookie): p50 ≤ 50 ms
     la, lc  the bare view again, then a live story's update endpoint (what every open live page
        polls, issue 17) from Django's page cache: lc ≥ 85 % of la
     lb, lv  a static copy of the update endpoint's JSON via nginx, then the endpoint from
        Varnish's cache: lv ≥ 80 % of lb
   in rounds (3 by default, the pairs a target compares back to back), and reports per scenario
   the round in which the rest of the machine was quietest: requests/s, p50/p99 latency, errors,
   CPU per request of the gunicorn workers, the PostgreSQL backends, Redis and nginx (from /proc),
   the CPU other processes used meanwhile (noise), SQL queries per request (bench/probe.py,
   in-process) and the workers' RSS.
5. Fetches the cached article from gunicorn (c) and nginx (d) as a client taking no coding,
   gzip, and brotli would, and reports its bytes on the wire in each.
6. Checks freshness end to end: a real "Publish update" of the measured story, then how long
   until gunicorn and nginx serve the new headline; and a new post on the live story, then how
   long until its update endpoint shows it via gunicorn and Varnish (a polling reader sees it at
   their next poll, at most one interval later).
7. Writes bench/results.json (every label's last run) and its section of bench/RESULTS.md
   (between ``<!-- bench:LABEL:start -->`` and ``<!-- bench:LABEL:end -->``; the prose around
   them is left alone), with the targets as ratios of this run and pass/fail.

Everything is bounded in time, runs on 127.0.0.1 only, and every process started here is stopped
at the end, by its pid, on success, failure or Ctrl-C.
"""

import argparse
import concurrent.futures
import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/publishing_load.py and bench/reader_mix.py import this module as ``run``. Run as a script it
# is ``__main__``: they must share its state (the database chosen), not load a second copy of it.
sys.modules.setdefault("run", sys.modules[__name__])

import report  # noqa: E402  (bench/report.py)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
NGINX_PREFIX = OUT / "nginx"
VARNISH_PREFIX = OUT / "varnish"
VARNISH_VCL = ROOT / "deploy" / "varnish" / "newsroom.vcl"
# The log records deploy/varnish/newsroom.vcl's header leaves out (VSL_MASK there): everything a
# hit writes, as bench/nginx.conf has `access_log off` for the nginx it is compared with.
VARNISH_VSL_MASK = (
    "-VCL_call,-VCL_return,-RespHeader,-RespUnset,-ReqUnset,-BereqHeader,-BerespHeader,"
    "-ObjHeader,-BereqUnset,-BerespUnset,-Hit,-Link,-Timestamp,-ReqStart,-ReqMethod,"
    "-ReqURL,-ReqProtocol,-ReqHeader,-RespProtocol,-RespStatus,-RespReason,-ReqAcct,"
    "-VCL_use,-Filters,-Begin,-End,-SessOpen,-SessClose,-Storage,-VdpAcct"
)
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"

# The bench's own database (--database changes it, e.g. to measure another checkout side by side;
# the name must contain "bench", the only databases generate_newsroom --reset will empty).
DATABASE = "newsroom_bench"
GUNICORN_URL = "http://127.0.0.1:8001"
# A second gunicorn with the page cache and its blocks off, for (e0): a page with nothing kept.
GUNICORN_COLD_URL = "http://127.0.0.1:8002"
NGINX_CACHE_URL = "http://127.0.0.1:8080"
NGINX_STATIC_URL = "http://127.0.0.1:8081"
# The production edge: Varnish with deploy/varnish/newsroom.vcl in front of the main gunicorn.
VARNISH_URL = "http://127.0.0.1:8083"
PORTS = (8001, 8002, 8080, 8081, 8083)
# The search scenario's query: two words of the generator's vocabulary (bench/generator.py).
SEARCH_QUERY = "fishing quotas"
SEARCH_CONNECTIONS = 2  # bench/gunicorn.conf.py's workers
BYPASS_COOKIE = "sessionid=x"
SERVERS = {"gunicorn": GUNICORN_URL, "nginx": NGINX_CACHE_URL, "varnish": VARNISH_URL}

ENVIRONMENT = {
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CACHE_KEY_PREFIX": "newsroom-bench",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "NEWSROOM_BENCH": "1",
    "MEDIA_ROOT": str(OUT / "media"),
    "ORIGINALS_ROOT": str(OUT / "originals"),
    "LOG_LEVEL": "WARNING",
    # Changes purge the edge (pagecache/edge.py), sent by the process that commits them at once:
    # the freshness measured is the purge's, not a queue worker's polling interval.
    "NEWSROOM_EDGE_PURGE_URLS": f"{VARNISH_URL}/",
    "TASKS_BACKEND": "immediate",
}


class BenchError(Exception):
    pass


def set_database(name):
    global DATABASE
    DATABASE = name


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env():
    return {**os.environ, **ENVIRONMENT, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}"}


def run(args, *, timeout, check=True, capture=False, stdin=None, quiet=False):
    """Run a command with the bench environment, bounded in time."""
    if not quiet:
        log("$ " + " ".join(shlex.quote(str(a)) for a in args))
    result = subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env=env(),
        timeout=timeout,
        check=False,
        text=True,
        input=stdin,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )
    if check and result.returncode != 0:
        detail = (result.stderr or "").strip()[-2000:] if capture else ""
        name = " ".join(str(a) for a in args[:3])
        raise BenchError(f"{name} failed ({result.returncode}). {detail}")
    return result


def manage(*args, timeout=600, **kwargs):
    return run([PYTHON, "manage.py", *args], timeout=timeout, **kwargs)


def probe(*args, stdin=None, timeout=600):
    result = run([PYTHON, "bench/probe.py", *args], timeout=timeout, capture=True, stdin=stdin, quiet=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- setup -------------------------------------------------------------------------------------


def ensure_tools():
    packages = {"nginx": ["nginx"], "wrk": ["wrk"], "varnishd": ["varnish", "varnish-modules"]}
    missing = [tool for tool in packages if not shutil.which(tool, path=_sbin_path())]
    if not missing:
        return
    log(f"Installing {', '.join(missing)} (Debian packages)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", *(name for tool in missing for name in packages[tool])],
        check=True,
        timeout=900,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _sbin_path():
    return os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def tool(name):
    found = shutil.which(name, path=_sbin_path())
    if not found:
        raise BenchError(f"{name} is not installed.")
    return found


def ensure_ports_free(ports=PORTS):
    import socket

    for port in ports:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise BenchError(f"Something already listens on 127.0.0.1:{port}; stop it first.")


def ensure_database():
    result = run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], timeout=60, check=False, capture=True
    )
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise BenchError(f"createdb failed: {result.stderr.strip()}")
    manage("migrate", "--no-input", timeout=600, capture=True)
    manage("collectstatic", "--no-input", timeout=600, capture=True)


def generate(options):
    """
    Generate the newsroom unless it is there, then file its stories under topics unless they
    are (``manage.py generate_topics``: a newsroom generated before topics gets them without
    being generated again); returns what is known of the generation.
    """
    generation = generate_newsroom(options)
    topics = manage("generate_topics", capture=True, quiet=True).stdout.strip()
    log(f"Topics: {topics}")
    return {**generation, "topics": topics}


def generate_newsroom(options):
    """Generate the newsroom unless it is there; returns what is known of the generation."""
    generation_file = OUT / "generation.json"
    picked = probe_pick_or_none()
    wanted = options.articles
    if picked and picked["articles"] == wanted and not options.regenerate:
        log(f"The newsroom is already generated ({picked['articles']:,} articles); --regenerate to redo it.")
        if generation_file.exists():
            return {**json.loads(generation_file.read_text()), "reused": True}
        return {"reused": True}
    args = [PYTHON, "manage.py", "generate_newsroom", "--articles", str(wanted)]
    if picked is not None or options.regenerate:
        args.append("--reset")
    log("$ " + " ".join(shlex.quote(str(a)) for a in args))
    started = time.monotonic()
    stdout, phases = _run_showing_progress(args, timeout=900)
    seconds = round(time.monotonic() - started, 1)
    summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    log(f"Generated in {seconds} s: {summary}")
    generation = {
        "seconds": seconds,
        "command": "python manage.py " + " ".join(str(a) for a in args[2:]),
        "summary": summary,
        "phases": phases,
        "date": _now(),
    }
    generation_file.write_text(json.dumps(generation, indent=2))
    return {**generation, "reused": False}


def _run_showing_progress(args, *, timeout):
    """Run the generator, passing its progress (stderr) through as it comes; (stdout, lines)."""
    process = subprocess.Popen(
        [str(a) for a in args], cwd=ROOT, env=env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    lines = []
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            stdout = pool.submit(process.stdout.read)
            for line in process.stderr:
                sys.stderr.write(line)
                if line.strip():
                    lines.append(line.strip())
            output = stdout.result()
        process.wait()
    finally:
        timer.cancel()
    if process.returncode != 0:
        raise BenchError(f"generate_newsroom failed ({process.returncode}): {' '.join(lines[-3:])}")
    return output, lines


def probe_pick_or_none():
    try:
        return probe("pick", timeout=120)
    except BenchError:
        return None


def reset_caches():
    """Empty the bench's Redis database and nginx's cache: a run never sees an older run's pages."""
    code = "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
    run([PYTHON, "-c", code], timeout=30, quiet=True)
    shutil.rmtree(NGINX_PREFIX / "cache", ignore_errors=True)
    shutil.rmtree(VARNISH_PREFIX, ignore_errors=True)  # its cache is in memory; its work files


# --- processes ---------------------------------------------------------------------------------


class Processes:
    """gunicorn and nginx, started here and stopped here, by pid."""

    def __init__(self):
        self.started = []  # (name, Popen)

    def start_gunicorn(self, url=GUNICORN_URL, environment=None):
        address = url.removeprefix("http://")
        port = address.rsplit(":", 1)[1]
        settings = " ".join(f"{name}={value}" for name, value in (environment or {}).items())
        log(f"Starting gunicorn (2 sync workers, {address}{', ' + settings if settings else ''})")
        process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                *("-c", str(BENCH / "gunicorn.conf.py")),
                *("--bind", address, "--pid", str(OUT / f"gunicorn-{port}.pid")),
            ],
            cwd=ROOT,
            env={**env(), **(environment or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.started.append(("gunicorn", process))
        wait_for(f"{url}/bench/ok/", process, "gunicorn")
        return process

    def start_nginx(self):
        log("Starting nginx (cache on 127.0.0.1:8080, static ceiling on 127.0.0.1:8081)")
        for folder in ("tmp", "html", "cache"):
            (NGINX_PREFIX / folder).mkdir(parents=True, exist_ok=True)
        args = [
            tool("nginx"),
            "-c",
            str(BENCH / "nginx.conf"),
            "-p",
            f"{NGINX_PREFIX}/",
            "-e",
            str(NGINX_PREFIX / "error.log"),
        ]
        run([*args, "-t"], timeout=30, capture=True, quiet=True)
        process = subprocess.Popen(
            [*args, "-g", "daemon off;"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.started.append(("nginx", process))
        wait_for(f"{NGINX_STATIC_URL}/", process, "nginx")
        return process

    def start_varnish(self):
        """deploy/varnish/newsroom.vcl, its backend moved to the main gunicorn, on 127.0.0.1:8083."""
        log("Starting varnishd (the edge on 127.0.0.1:8083, deploy/varnish/newsroom.vcl)")
        VARNISH_PREFIX.mkdir(parents=True, exist_ok=True)
        VARNISH_PREFIX.chmod(0o755)  # started by root, its workers run as varnish's own users
        vcl = VARNISH_VCL.read_text()
        backend = GUNICORN_URL.rsplit(":", 1)[1]
        if vcl.count('.port = "8000";') != 1:
            raise BenchError("deploy/varnish/newsroom.vcl no longer has its backend on port 8000.")
        (VARNISH_PREFIX / "newsroom.vcl").write_text(vcl.replace('.port = "8000";', f'.port = "{backend}";'))
        args = [tool("varnishd"), "-F", "-n", str(VARNISH_PREFIX / "work"), "-T", "none"]
        args += ["-a", VARNISH_URL.removeprefix("http://"), "-f", str(VARNISH_PREFIX / "newsroom.vcl")]
        args += ["-s", "malloc,1G", "-p", "http_gzip_support=off", "-p", f"vsl_mask={VARNISH_VSL_MASK}"]
        if os.geteuid() != 0:
            args += ["-j", "none"]
        process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started.append(("varnishd", process))
        wait_for(f"{VARNISH_URL}/bench/ok/", process, "varnishd")
        return process

    def stop_all(self):
        for name, process in reversed(self.started):
            if process.poll() is not None:
                continue
            log(f"Stopping {name} (pid {process.pid})")
            # nginx and gunicorn both stop gracefully on SIGQUIT/SIGTERM; TERM is quick for both.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.started = []


def wait_for(url, process, name, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited ({process.returncode}); see bench/out/.")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise BenchError(f"{name} did not answer {url} within {timeout} s.")


def fetch(url, cookie=None, timeout=60, accept_encoding=None, host=None):
    headers = {"Cookie": cookie} if cookie else {}
    if accept_encoding:
        headers["Accept-Encoding"] = accept_encoding  # urllib sends none, and decodes nothing
    if host:
        headers["Host"] = host  # the site's name, whichever server is asked
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# What a reader's browser may take: the article's bytes on the wire in each coding.
CODINGS = {"plain": None, "gzip": "gzip", "br": "gzip, deflate, br"}


def wire_bytes(url):
    """
    The cached page at ``url`` as each coding's client gets it: its bytes on the wire, the coding
    it came in and whether it was a cache hit (the second request of each; the first may store it).
    """
    sizes = {}
    for name, accept in CODINGS.items():
        fetch(url, accept_encoding=accept)
        _, headers, body = fetch(url, accept_encoding=accept)
        sizes[name] = {
            "bytes": len(body),
            "content_encoding": headers.get("Content-Encoding", "identity"),
            "cache": headers.get("X-Cache-Status") or headers.get("X-Page-Cache"),
        }
    return sizes


# --- /proc -------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, cpu seconds) of a process from /proc, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def worker_pids(master_pid):
    pids = []
    for pid in _pids():
        stat = _stat(pid)
        if stat and stat[0] == master_pid:
            pids.append(pid)
    return sorted(pids)


def database_backend_pids():
    """The PostgreSQL backends serving the bench database (their title names it)."""
    pids = []
    for pid in _pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if title.startswith("postgres:") and f" {DATABASE} " in title:
            pids.append(pid)
    return pids


def redis_pids():
    """The Redis server on 127.0.0.1:6379 (shared with other users of this machine)."""
    pids = []
    for pid in _pids():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if command.endswith(b"redis-server") or command.startswith(b"redis-server "):
            pids.append(pid)
    return pids


def all_workers(gunicorns):
    return [pid for master in gunicorns.values() for pid in worker_pids(master.pid)]


def cpu_seconds(pids):
    """``{pid: CPU seconds}`` of those of ``pids`` still running."""
    return {pid: stat[1] for pid, stat in ((pid, _stat(pid)) for pid in pids) if stat}


def cpu_used(before, after):
    """CPU seconds used between two ``cpu_seconds`` snapshots (a process that ended is lost)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def memory_mb(pid):
    """(VmRSS, VmHWM) in MB: now and the peak since the process started."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    except FileNotFoundError:
        return None
    return round(values.get("VmRSS", 0), 1), round(values.get("VmHWM", 0), 1)


def machine_cpu_seconds():
    """(busy, stolen) CPU seconds of the whole machine, all cores (/proc/stat): the time its
    processes used, and the time a virtual machine's hypervisor gave to someone else."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS


# --- wrk ---------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise BenchError(f"Cannot read a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output):
    def find(pattern, cast=float, default=None):
        match = re.search(pattern, output, re.MULTILINE)
        return cast(match.group(1)) if match else default

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    kinds = ("connect", "read", "write", "timeout")
    return {
        "requests_per_s": find(r"^Requests/sec:\s+([0-9.]+)"),
        "p50_ms": find(r"^\s+50%\s+(\S+)", _ms),
        "p99_ms": find(r"^\s+99%\s+(\S+)", _ms),
        "requests": find(r"^\s+(\d+) requests in", int),
        "non_2xx_3xx": find(r"Non-2xx or 3xx responses: (\d+)", int, 0),
        "socket_errors": (
            {kind: int(n) for kind, n in zip(kinds, socket_errors.groups(), strict=True)}
            if socket_errors
            else {}
        ),
    }


def wrk(url, *, connections, duration, cookie=None, host=None, timeout_s=30, script=None, script_args=()):
    """wrk's output, its wall time and its command; ``script`` (a Lua file) gets ``script_args``."""
    args = [tool("wrk"), "-t2", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout_s}s", "--latency"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    if host:
        args += ["-H", f"Host: {host}"]
    if script:
        args += ["-s", str(script)]
    args.append(url)
    if script_args:
        args += ["--", *(str(arg) for arg in script_args)]
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=duration + timeout_s + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise BenchError(f"wrk did not finish: {url}") from None
    if process.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {output}")
    return output, time.monotonic() - started, " ".join(args)


# --- the scenarios -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    base: str  # which server
    path: str
    connections: int
    cookie: str | None = None
    expect: tuple | None = None  # (header, value) a response should carry

    @property
    def url(self):
        return f"{self.base}{self.path}"


def scenarios(pages, options):
    """The scenarios, in the order they run."""
    article, section, live = pages["article"], pages["section"], pages["live_updates"]
    deep = min(2000, pages["section_pages"])
    fast, slow = options.connections, options.slow_connections
    # Each pair a target compares runs back to back: a and c, d and b and v (the ceiling b in the
    # middle, next to both caches it is compared with), then g1 and the deep page.
    return [
        Scenario("a", "bare Django view (ceiling for Django)", GUNICORN_URL, "/bench/ok/", fast),
        Scenario("c", "article from Django's page cache, via gunicorn", GUNICORN_URL, article, fast,
                 expect=("X-Page-Cache", "HIT")),
        Scenario("d", "article from nginx's cache", NGINX_CACHE_URL, article, fast,
                 expect=("X-Cache-Status", "HIT")),
        Scenario("b", "static copy of the article via nginx (ceiling)", NGINX_STATIC_URL, article, fast),
        Scenario("v", "article from Varnish's cache (the edge)", VARNISH_URL, article, fast,
                 expect=("X-Cache", "HIT")),
        # The live update endpoint every open live page polls: its cached hit beside the bare view
        # (la, lc), and at the edge beside a static copy of its JSON (lb, lv).
        Scenario("la", "bare Django view, beside (lc)", GUNICORN_URL, "/bench/ok/", fast),
        Scenario("lc", "live update endpoint from Django's page cache, via gunicorn", GUNICORN_URL, live,
                 fast, expect=("X-Page-Cache", "HIT")),
        Scenario("lb", "static copy of the live update endpoint via nginx (ceiling)", NGINX_STATIC_URL, live,
                 fast),
        Scenario("lv", "live update endpoint from Varnish's cache (the edge)", VARNISH_URL, live, fast,
                 expect=("X-Cache", "HIT")),
        Scenario("e", "article rendered afresh (uncached)", GUNICORN_URL, article, slow, BYPASS_COOKIE),
        Scenario("e0", "article rendered with nothing kept (page cache and blocks off)", GUNICORN_COLD_URL,
                 article, slow),
        Scenario("f", "home page rendered afresh", GUNICORN_URL, "/", slow, BYPASS_COOKIE),
        Scenario("g1", f"section page 1 rendered afresh ({section})", GUNICORN_URL, section, slow,
                 BYPASS_COOKIE),
        Scenario(f"g{deep}", f"section page {deep:,} rendered afresh", GUNICORN_URL, f"{section}?page={deep}",
                 slow, BYPASS_COOKIE),
        *topic_scenarios(pages, slow),
        # One connection per gunicorn worker: its p50 is the server's time, not time queued
        # behind another search (the target is server time).
        Scenario("s", f"search rendered afresh ({SEARCH_QUERY})", GUNICORN_URL,
                 f"/search/?{urllib.parse.urlencode({'q': SEARCH_QUERY})}", SEARCH_CONNECTIONS,
                 BYPASS_COOKIE),
    ]  # fmt: skip


def topic_scenarios(pages, connections):
    """(t), the biggest topic's page rendered afresh, if the newsroom has topics."""
    if not pages.get("topic"):
        return []
    label = f"topic page rendered afresh ({pages['topic']}, {pages['topic_stories']:,} stories)"
    return [Scenario("t", label, GUNICORN_URL, pages["topic"], connections, BYPASS_COOKIE)]


def target_pairs(plan):
    """The scenarios each target compares, measured back to back (bench/report.py's targets)."""
    deep = next(scenario.key for scenario in plan if scenario.key.startswith("g") and scenario.key != "g1")
    return [("a", "c"), ("d", "b", "v"), ("la", "lc"), ("lb", "lv"), ("g1", deep)]


def measure(scenario, options, gunicorns, nginx, varnish, *, warm_up):
    """One round of a scenario: wrk, with the CPU each party used meanwhile."""
    # The gunicorn answering it (nginx passes its misses to the main one).
    gunicorn = gunicorns.get(scenario.base, gunicorns[GUNICORN_URL])
    status, headers, body = fetch(scenario.url, scenario.cookie)
    if status != 200:
        raise BenchError(f"({scenario.key}) {scenario.url} answered {status}.")
    if warm_up:
        # Caches filled, code paths and connections hot; not recorded.
        wrk(scenario.url, connections=scenario.connections, duration=options.warmup, cookie=scenario.cookie)
    status, headers, body = fetch(scenario.url, scenario.cookie)
    observed = {name: headers.get(name) for name in ("X-Page-Cache", "X-Cache-Status", "Cache-Control")}
    if scenario.expect and headers.get(scenario.expect[0]) != scenario.expect[1]:
        name, wanted = scenario.expect
        log(f"  warning: expected {name}: {wanted}, got {headers.get(name)}")

    def snapshot():
        return {
            "workers": cpu_seconds(worker_pids(gunicorn.pid)),
            "backends": cpu_seconds(database_backend_pids()),
            "nginx": cpu_seconds([nginx.pid, *worker_pids(nginx.pid)]),
            # varnishd -F: the manager, and the cache process (its child) that serves.
            "varnish": cpu_seconds([varnish.pid, *worker_pids(varnish.pid)]),
            "redis": cpu_seconds(redis_pids()),
        }

    before, wrk_before, machine_before = snapshot(), _children_cpu(), machine_cpu_seconds()
    load = os.getloadavg()[0]
    output, elapsed, command = wrk(
        scenario.url, connections=scenario.connections, duration=options.duration, cookie=scenario.cookie
    )
    after, machine_after = snapshot(), machine_cpu_seconds()
    used = {name: cpu_used(before[name], after[name]) for name in before}
    used["wrk"] = _children_cpu() - wrk_before
    busy, stolen = (end - start for start, end in zip(machine_before, machine_after, strict=True))
    others = busy - sum(used.values())
    result = parse_wrk(output)
    requests = max(result["requests"] or 0, 1)
    result.update(
        {
            "label": scenario.label,
            "url": scenario.url,
            "cookie": scenario.cookie,
            "connections": scenario.connections,
            "bytes": len(body),
            "headers": observed,
            "worker_cpu_ms_per_request": round(used["workers"] * 1000 / requests, 3),
            "db_cpu_ms_per_request": round(used["backends"] * 1000 / requests, 3),
            "nginx_cpu_ms_per_request": round(used["nginx"] * 1000 / requests, 4),
            "varnish_cpu_ms_per_request": round(used["varnish"] * 1000 / requests, 4),
            "redis_cpu_ms_per_request": round(used["redis"] * 1000 / requests, 4),
            "cpu_cores": {name: round(seconds / elapsed, 2) for name, seconds in used.items()},
            # What the rest of the machine (others' tests, say) used meanwhile, in cores: noise.
            "other_cpu_cores": round(max(others, 0) / elapsed, 2),
            "stolen_cpu_cores": round(stolen / elapsed, 2),
            "load_before": round(load, 2),
            "wrk": command,
            "rss_mb": {str(pid): memory_mb(pid) for pid in all_workers(gunicorns)},
        }
    )
    log(
        f"  {result['requests_per_s']:,.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
        f"p99 {result['p99_ms']:.2f} ms, worker CPU {result['worker_cpu_ms_per_request']} ms/req, "
        f"other load {result['other_cpu_cores']} cores"
    )
    return result


def in_round_order(plan, pairs, number):
    """
    The scenarios of round ``number``: each pair a target compares back to back, the ceiling
    first in odd rounds and second in even ones. The machine's speed drifts within a round too
    (it runs faster just after a lull), so always measuring the same one first would favour it.
    """
    if number % 2:
        return plan
    # Each group in reverse: (a, c) as (c, a); (d, b, v) as (v, b, d).
    partner = {key: other for group in pairs for key, other in zip(group, reversed(group), strict=True)}
    by_key = {scenario.key: scenario for scenario in plan}
    return [by_key[partner.get(scenario.key, scenario.key)] for scenario in plan]


def chosen_rounds(rounds, *, pairs):
    """
    Per scenario, the round in which the rest of the machine was quietest ("other load"), every
    round's requests/s kept beside it. The two scenarios of a pair a target compares (measured back
    to back) take the same round: the one quietest for both, so the ratio compares like with like.
    """
    chosen = {}

    def take(keys):
        count = len(rounds[keys[0]])
        quietest = min(range(count), key=lambda n: sum(rounds[key][n]["other_cpu_cores"] for key in keys))
        for key in keys:
            runs = rounds[key]
            chosen[key] = {
                **runs[quietest],
                "round": quietest + 1,
                "rounds_requests_per_s": [run["requests_per_s"] for run in runs],
                "rounds_p50_ms": [run["p50_ms"] for run in runs],
                "rounds_other_cpu_cores": [run["other_cpu_cores"] for run in runs],
            }

    for pair in pairs:
        take(pair)
    for key in rounds:
        if key not in chosen:
            take((key,))
    return chosen


def _children_cpu():
    usage = os.times()
    return usage.children_user + usage.children_system


def seconds_until_shown(urls, changed, timeout):
    """
    ``{name: seconds}`` from the commit of ``changed`` (a probe's ``marker`` and ``committed_at``)
    until each of ``urls`` (``{name: url}``) answers with the marker, polled every 20 ms, each on
    its own so that a slow answer from one does not delay another; ``None``: not within ``timeout``.
    """
    marker, committed = changed["marker"].encode(), changed["committed_at"]
    deadline = time.monotonic() + timeout

    def poll(url):
        while time.monotonic() < deadline:
            if marker in fetch(url)[2]:
                return round(time.time() - committed, 3)
            time.sleep(0.02)
        return None

    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        futures = {name: pool.submit(poll, url) for name, url in urls.items()}
        return {name: future.result() for name, future in futures.items()}


def freshness(pages, timeout=15.0):
    """Publish an update of the measured story; how long until each server shows it."""
    touched = probe("touch", str(pages["article_pk"]), timeout=120)
    urls = {name: f"{base}{pages['article']}" for name, base in SERVERS.items()}
    seen = seconds_until_shown(urls, touched, timeout)
    return {
        "change": "“Publish update” (a minor correction of the headline) of the measured story, "
        "through the workflow",
        "seconds_until_visible": seen,
        "timeout_s": timeout,
    }


def live_freshness(pages, timeout=15.0):
    """
    A new post on the live story (through the live desk's action): how long until its update
    endpoint shows it via gunicorn and via Varnish. A polling reader's page shows it at its next
    poll, at most one interval (15 s) after that.
    """
    endpoint = pages["live_updates"]
    urls = {"gunicorn": f"{GUNICORN_URL}{endpoint}", "varnish": f"{VARNISH_URL}{endpoint}"}
    for url in urls.values():  # kept before the post
        fetch(url)
    posted = probe("post", str(pages["live_pk"]), timeout=120)
    seen = seconds_until_shown(urls, posted, timeout)
    return {"endpoint": endpoint, "seconds_until_visible": seen, "timeout_s": timeout}


def edge_hit_ratio(cycle, readers=8):
    """
    The share of Varnish hits (X-Cache: HIT) over the reader mix's requests (``cycle``: the
    addresses of bench/reader_mix.py, repeated as the mix repeats them), each distinct address
    read once first to warm the edge; the edge is left warm for the mix.
    """
    distinct = list(dict.fromkeys(cycle))

    def read(path):
        return fetch(f"{VARNISH_URL}{path}")[1].get("X-Cache")

    with concurrent.futures.ThreadPoolExecutor(readers) as pool:
        list(pool.map(read, distinct))  # the warm-up
        seen = list(pool.map(read, cycle))
    hits = sum(1 for cache in seen if cache == "HIT")
    return {
        "addresses": len(cycle),
        "distinct": len(distinct),
        "hits": hits,
        "ratio": round(hits / len(cycle), 4) if cycle else 0.0,
        "by_status": {status: seen.count(status) for status in sorted(set(map(str, seen)))},
    }


def edge_freshness(pages, timeout=15.0):
    """
    Publish an update of the measured story; how long until each page showing it is served
    afresh at the edge: the story, its section, home and a story listing it in Related News
    (the first read after the purge is a MISS with the new headline).
    """
    showing = {"story": pages["article"], "section": pages["section"], "home": "/"}
    if pages.get("related"):
        showing["related"] = pages["related"]
    for path in showing.values():  # kept at the edge before the change
        fetch(f"{VARNISH_URL}{path}")
    touched = probe("touch", str(pages["article_pk"]), timeout=120)
    urls = {name: f"{VARNISH_URL}{path}" for name, path in showing.items()}
    seen = seconds_until_shown(urls, touched, timeout)
    return {"pages": showing, "seconds_until_visible": seen, "timeout_s": timeout}


# --- report ------------------------------------------------------------------------------------


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown",
    )  # fmt: skip
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": _os_name(),
    }


def _os_name():
    with contextlib.suppress(FileNotFoundError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.system()


def versions():
    def first_line(args):
        try:
            result = subprocess.run(args, capture_output=True, text=True, timeout=30, env=env(), cwd=ROOT)
        except (OSError, subprocess.TimeoutExpired):
            return None
        text = (result.stdout + result.stderr).strip()
        return text.splitlines()[0] if text else None

    def python(code):
        return first_line([str(PYTHON), "-c", code])

    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version", DATABASE]
    redis = "import os, redis; print(redis.Redis.from_url(os.environ['REDIS_URL']).info()['redis_version'])"
    return {
        "python": python("import platform; print(platform.python_version())"),
        "django": python("import django; print(django.get_version())"),
        "gunicorn": python("import gunicorn; print(gunicorn.__version__)"),
        "psycopg": python("import psycopg; print(psycopg.__version__)"),
        "postgresql": first_line(psql),
        "redis": python(redis),
        "nginx": first_line([tool("nginx"), "-v"]),
        "wrk": (first_line([tool("wrk"), "-v"]) or "").split(" [")[0],
    }


def code_state():
    """The commit and the uncommitted changes (with a digest of their content) measured."""

    def git(*args):
        result = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=30)
        return result.stdout.rstrip("\n") if result.returncode == 0 else None  # porcelain: keep the space

    status = git("status", "--porcelain")
    if status is None:
        return {
            "commit": None,
            "subject": "not a git checkout",
            "modified": [],
            "untracked": [],
            "content": None,
        }
    lines = [line for line in status.splitlines() if line]
    # What the servers run, whoever commits it: the tracked files' blobs, the uncommitted changes
    # and new files, without this benchmark's own results (committing those changes no code).
    outputs = [f":(exclude){path.relative_to(ROOT)}" for path in (report.RESULTS_JSON, report.RESULTS_MD)]
    new_files = (git("ls-files", "--others", "--exclude-standard", "--", ".", *outputs) or "").splitlines()
    new_blobs = git("hash-object", "--", *new_files) if new_files else ""
    content = "\n".join(
        [
            git("ls-files", "-s", "--", ".", *outputs) or "",
            git("diff", "HEAD", "--", ".", *outputs) or "",
            *(
                f"{name} {blob}"
                for name, blob in zip(new_files, (new_blobs or "").splitlines(), strict=False)
            ),
        ]
    )
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "subject": git("log", "-1", "--format=%s"),
        "modified": sorted(line[3:] for line in lines if not line.startswith("??")),
        "untracked": sorted(line[3:] for line in lines if line.startswith("??")),
        "content": hashlib.sha256(content.encode()).hexdigest()[:16],
    }


def _now():
    return datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds")


# --- main --------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--label", default="after", help="the section of RESULTS.md to write: after, baseline"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per scenario and round")
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds of every scenario (pairs alternate which runs first)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections for a–d")
    parser.add_argument("--slow-connections", type=int, default=4, help="wrk connections for e–g")
    parser.add_argument(
        "--mix-duration", type=int, default=60, help="seconds of wrk per run of the reader mix (0: no mix)"
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--regenerate", action="store_true", help="generate the newsroom again")
    parser.add_argument("--no-write", action="store_true", help="print the results, write no file")
    parser.add_argument("--database", default=DATABASE, help="the PostgreSQL database to use")
    options = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z0-9_]+", options.database):
        parser.error("--database: lowercase letters, digits and underscores")
    if "bench" not in options.database:
        # generate_newsroom --reset refuses any other name: say so now, not minutes in.
        parser.error("--database: a name containing 'bench', such as newsroom_bench_other")
    set_database(options.database)
    if not re.fullmatch(r"[a-z0-9-]+", options.label):
        parser.error("--label: lowercase letters, digits and dashes")

    arguments = " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if os.environ.get("MAKELEVEL"):
        command = f'make bench BENCH_ARGS="{arguments}"' if arguments else "make bench"
    else:
        command = f"python bench/run.py {arguments}"
    processes = Processes()
    import reader_mix  # noqa: PLC0415 (bench/reader_mix.py imports this module, once it is whole)

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    try:
        OUT.mkdir(exist_ok=True)
        ensure_tools()
        ensure_ports_free()
        ensure_database()
        generation = generate(options)
        # A run stopped during the reader mix may have left the editor's stories unpublished.
        reader_mix.restore_edited_stories()
        pages = probe("pick", timeout=120)
        pages.update(probe("live", timeout=600))
        reset_caches()
        code = code_state()  # what gunicorn is about to load
        gunicorn = processes.start_gunicorn()
        gunicorns = {
            GUNICORN_URL: gunicorn,
            GUNICORN_COLD_URL: processes.start_gunicorn(GUNICORN_COLD_URL, {"NEWSROOM_PAGE_CACHE_TTL": "0"}),
        }
        status, _, body = fetch(f"{GUNICORN_URL}{pages['article']}")
        if status != 200:
            raise BenchError(f"The article {pages['article']} answered {status}.")
        (NGINX_PREFIX / "html").mkdir(parents=True, exist_ok=True)
        (NGINX_PREFIX / "html" / "article.html").write_bytes(body)
        status, _, body = fetch(f"{GUNICORN_URL}{pages['live_updates']}")
        if status != 200:
            raise BenchError(f"The live update endpoint {pages['live_updates']} answered {status}.")
        (NGINX_PREFIX / "html" / "live-updates.json").write_bytes(body)
        nginx = processes.start_nginx()
        varnish = processes.start_varnish()

        plan = scenarios(pages, options)
        log("Counting queries per request, in-process")
        specs = [
            {"key": sc.key, "path": sc.path, "cookie": sc.cookie, "prime": sc.cookie is None}
            for sc in plan
            if sc.base == GUNICORN_URL
        ]
        # (e0) in-process: the page cache and its blocks off, as on the second gunicorn.
        specs.append({"key": "e0", "path": pages["article"], "cookie": BYPASS_COOKIE, "cold": True})
        queries = probe("count", stdin=json.dumps(specs))

        log(f"Measuring {len(plan)} scenarios, {options.rounds} rounds of {options.duration} s each")
        rounds = {scenario.key: [] for scenario in plan}
        pairs = target_pairs(plan)
        for number in range(1, options.rounds + 1):
            for scenario in in_round_order(plan, pairs, number):
                log(f"round {number}, ({scenario.key}) {scenario.label}: {scenario.url}")
                rounds[scenario.key].append(
                    measure(scenario, options, gunicorns, nginx, varnish, warm_up=number == 1)
                )
        measured = chosen_rounds(rounds, pairs=pairs)
        measured = {scenario.key: measured[scenario.key] for scenario in sorted(plan, key=lambda sc: sc.key)}
        workers = {str(pid): memory_mb(pid) for pid in all_workers(gunicorns)}

        log("Bytes on the wire: the cached article in each coding")
        wire = {name: wire_bytes(f"{base}{pages['article']}") for name, base in SERVERS.items()}

        mix_paths, mix_cycle = reader_mix.addresses()
        log(f"The edge's hit ratio over the reader mix's {len(mix_cycle):,} requests, after a warm-up")
        edge = edge_hit_ratio(mix_cycle)

        # The reader mix on the edge just warmed. Its editor changes stories, and publishes them again
        # at its end, before the freshness checks (which need them published) change more.
        mix = None
        if options.mix_duration:
            mix = reader_mix.mix(mix_paths, mix_cycle, duration=options.mix_duration, gunicorn=gunicorn)

        log("Freshness: publishing an update of the measured story")
        fresh = freshness(pages)
        log("Freshness at the edge: the story, its section, home and a page listing it in Related News")
        fresh["edge"] = edge_freshness(pages)
        log("Freshness of the live story: a new post, until its update endpoint shows it")
        fresh["live"] = live_freshness(pages)

        results = {
            "label": options.label,
            "date": _now(),
            "command": command.strip(),
            "machine": machine(),
            "versions": versions(),
            "code": {**code, "changed_during_run": code_state()["content"] != code["content"]},
            "options": vars(options),
            "generation": generation,
            "pages": pages,
            "queries": queries,
            "scenarios": measured,
            "rss_after_mb": {"workers": workers, "max": max((r for r, _ in workers.values()), default=0)},
            "freshness": fresh,
            "edge_hit_ratio": edge,
            "bytes_on_wire": wire,
            "mix": mix,
            "seconds": None,
        }
        results["seconds"] = round(time.monotonic() - started)
        results["targets"] = report.targets(results)
        print()
        print(report.markdown(options.label, results))
        if not options.no_write:
            report.write(options.label, results)
            log(f"Wrote bench/results.json and the {options.label!r} section of bench/RESULTS.md")
        return 0
    except BenchError as error:
        log(f"failed: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        processes.stop_all()


if __name__ == "__main__":
    sys.exit(main())
