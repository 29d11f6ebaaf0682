"""Faults at the process boundary (SPEC §1): the real console script with a full, closed or
short-writing stdout, a closed stdin, SIGINT and SIGTERM at random points of a large run, a
memory limit (`ulimit -v`) in the one-process and the parallel mode, and endless inputs.

Whatever goes wrong ends in one `[error]` line on stderr and exit 1 (130 for SIGINT, 143 for
SIGTERM), never a traceback; an exit 0 comes with the whole output. The program's output
itself is checked elsewhere (tests/conftest.py `run_fn`, with the oracle); here only whether
all of it arrived. A failing random case prints its seed: `FAULTS_SEED=N` runs it again.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from krm_fn import parallel
from krm_fn.pipeline import ConfigFile
from tests.conftest import imagemap
from tests.hosts.hostlib import find_tool
from tests.oracle import checked_run

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses /dev/full and /proc")

MAPS = imagemap("app", "app", "localhost:5000/app:tilt-1")
MiB = 2**20
LIMIT_HINT = "larger than the input limit of 256 MiB (raise it with APPLY_IMAGEMAPS_MAX_INPUT"


def _stream(count: int) -> bytes:
    """`count` Helm-rendered Deployments, each with an image the ImageMap rewrites."""
    return "".join(
        f"---\n# Source: chart/templates/t{i % 7}.yaml\napiVersion: apps/v1\nkind: Deployment\n"
        f"metadata:\n  name: d{i}\n  labels: {{app: web}}\nspec:\n  replicas: 2\n"
        "  template:\n    spec:\n      containers:\n      - name: c\n        image: app:1\n"
        "        ports: [{containerPort: 8080}]\n      - name: side\n        image: side:2\n"
        for i in range(count)
    ).encode()


@dataclass(frozen=True)
class Case:
    """An input file and what an undisturbed run writes to stdout, and how long it takes."""

    path: Path
    expected: bytes
    seconds: float


@dataclass(frozen=True)
class Setup:
    tool: Path
    maps: Path
    small: Case  # 1000 documents, 0.35 MB: output well over a pipe's 64 KiB
    large: dict[int, Case]  # 1.3 MB, two chunks: APPLY_IMAGEMAPS_JOBS -> its run


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: bytes
    stderr: str


def _env(jobs: int = 1, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLY_IMAGEMAPS_")}
    return {**env, "APPLY_IMAGEMAPS_JOBS": str(jobs), **extra}


def _unmeasured(env: dict[str, str]) -> dict[str, str]:
    """`env` without coverage.py's setting for subprocesses (`make test` measures them):
    under an address-space limit the program must run alone, coverage's memory is not its."""
    return {k: v for k, v in env.items() if k != "COVERAGE_PROCESS_CONFIG"}


def _child_setup(address_space: int | None = None) -> Callable[[], None]:
    """Runs in the child before exec: default SIGINT and SIGTERM (a test run in the
    background of a shell would pass SIGINT on ignored), and `ulimit -v` when asked."""

    def setup() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return setup


def _run(
    args: Sequence[str | Path],
    *,
    stdin: Path | int | None = None,
    env: dict[str, str] | None = None,
    address_space: int | None = None,
    timeout: float = 30,
) -> Ran:
    with open(stdin if stdin is not None else os.devnull, "rb") as f:
        proc = subprocess.run(
            [str(a) for a in args],
            stdin=f,
            capture_output=True,
            env=_unmeasured(env or _env()) if address_space else env or _env(),
            preexec_fn=_child_setup(address_space),
            timeout=timeout,
            check=False,
        )
    return Ran(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))


def _one_error(ran: Ran, message: str, code: int = 1) -> None:
    """Exit `code`, and stderr holds results and exactly one `[error]` line, containing
    `message`: no traceback, nothing of Python's own."""
    tail = ran.stderr[-3000:]
    assert ran.code == code, tail
    assert "Traceback" not in ran.stderr and "Exception ignored" not in ran.stderr, tail
    lines = ran.stderr.splitlines()
    # An empty line may come before a signal's, when the signal came just as a write of
    # results returned (krm_fn.sink): never two lines run together.
    prefixes = ("[info] ", "[warning] ", "[error] ")
    stray = [line for line in lines if line and not line.startswith(prefixes)]
    assert stray == [], tail
    errors = [line for line in lines if line.startswith("[error] ")]
    assert len(errors) == 1 and message in errors[0], errors


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    tool = find_tool("apply-imagemaps")
    tmp = tmp_path_factory.mktemp("faults")
    maps = tmp / "maps.yaml"
    maps.write_text(MAPS)

    def case(name: str, data: bytes, jobs: int) -> Case:
        path = tmp / name
        path.write_bytes(data)
        start = time.monotonic()
        ran = _run([tool, "--imagemaps", maps], stdin=path, env=_env(jobs))
        seconds = time.monotonic() - start
        assert ran.code == 0, ran.stderr[-2000:]
        assert ran.stdout.count(b"image: localhost:5000/app:tilt-1\n") == data.count(b"app:1")
        # what every fault is measured against: the output the oracle checks
        assert ran.stdout == checked_run(data, [ConfigFile("maps.yaml", MAPS.encode())]).stdout
        return Case(path, ran.stdout, seconds)

    small = case("small.yaml", _stream(1000), jobs=1)
    data = _stream(4500)
    assert len(data) > 2 * parallel.MIN_CHUNK  # two chunks: one for a worker
    large = {jobs: case("large.yaml", data, jobs) for jobs in (1, 2)}
    assert large[1].expected == large[2].expected
    return Setup(tool, maps, small, large)


# --- stdout and stdin --------------------------------------------------------------------


def test_stdout_is_full(setup: Setup) -> None:
    with open("/dev/full", "wb") as full, open(setup.small.path, "rb") as stdin:
        proc = subprocess.run(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=stdin,
            stdout=full,
            stderr=subprocess.PIPE,
            env=_env(),
            check=False,
        )
    ran = Ran(proc.returncode, b"", proc.stderr.decode())
    _one_error(ran, "cannot write to stdout: No space left on device (0 of ")


def test_reader_that_exits_after_10_bytes(setup: Setup, tmp_path: Path) -> None:
    """`apply-imagemaps ... | head -c 10`: the output is far more than a pipe holds."""
    with (
        open(setup.small.path, "rb") as stdin,
        open(tmp_path / "stderr", "w+b") as stderr,
        subprocess.Popen(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_env(),
        ) as proc,
    ):
        assert proc.stdout is not None
        head = proc.stdout.read(10)
        proc.stdout.close()
        code = proc.wait(timeout=30)
        stderr.seek(0)
        ran = Ran(code, b"", stderr.read().decode())
    assert head == setup.small.expected[:10]
    _one_error(ran, "cannot write to stdout: Broken pipe (")


@pytest.mark.parametrize(
    ("redirect", "message"),
    [
        (">&-", "cannot write to stdout: it is closed"),
        ("<&-", "cannot read stdin: it is closed"),
    ],
)
def test_closed_stdout_or_stdin(setup: Setup, redirect: str, message: str) -> None:
    ran = _run(
        ["bash", "-c", f'exec "$@" {redirect}', "bash", setup.tool, "--imagemaps", setup.maps],
        stdin=setup.small.path,
    )
    _one_error(ran, message)
    assert ran.stdout == b""


def test_non_blocking_stdout_and_a_slow_reader(setup: Setup) -> None:
    """EAGAIN is waited out: the whole output arrives, exit 0."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    with open(setup.small.path, "rb") as stdin:
        proc = subprocess.Popen(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=stdin,
            stdout=write_end,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(16384):
            chunks.append(chunk)
            time.sleep(0.002)
    assert proc.wait(timeout=30) == 0
    assert b"".join(chunks) == setup.small.expected


def test_stderr_that_cannot_be_written(setup: Setup) -> None:
    """The results of a stream cannot be reported: exit 1 and no stream on stdout."""
    with open("/dev/full", "wb") as full, open(setup.small.path, "rb") as stdin:
        proc = subprocess.run(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=full,
            env=_env(),
            check=False,
        )
    assert (proc.returncode, proc.stdout) == (1, b"")


# --- signals -----------------------------------------------------------------------------


def _signalled(setup: Setup, jobs: int, signum: int, delay: float, group: bool) -> Ran:
    """The large run, `signum` sent `delay` s after its input was written: to the process
    group (Ctrl-C in a terminal) or to the process alone (`kill`). Its workers must be gone
    when it is."""
    case = setup.large[jobs]
    got: dict[str, bytes] = {}
    with subprocess.Popen(
        [setup.tool, "--imagemaps", setup.maps],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(jobs),
        preexec_fn=_child_setup(),
        start_new_session=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        readers = [
            threading.Thread(target=lambda n=n, s=s: got.__setitem__(n, s.read()))
            for n, s in (("stdout", proc.stdout), ("stderr", proc.stderr))
        ]
        for reader in readers:
            reader.start()
        proc.stdin.write(case.path.read_bytes())  # once written, the program is in main()
        proc.stdin.close()
        time.sleep(delay)
        try:
            if group:
                os.killpg(proc.pid, signum)
            else:
                proc.send_signal(signum)
        except ProcessLookupError:
            pass
        code = proc.wait(timeout=30)
        for reader in readers:
            reader.join()
    for _ in range(100):  # the workers, in the same process group, are stopped too
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("a worker outlived its parent")
    return Ran(code, got["stdout"], got["stderr"].decode(errors="replace"))


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(
    ("signum", "group", "code", "message"),
    [
        pytest.param(signal.SIGINT, True, 130, "[error] interrupted", id="SIGINT-to-group"),
        pytest.param(signal.SIGTERM, False, 143, "[error] terminated", id="SIGTERM-to-pid"),
    ],
)
def test_signal_at_a_random_point(
    setup: Setup, jobs: int, signum: int, group: bool, code: int, message: str
) -> None:
    seed = int(os.environ.get("FAULTS_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    case = setup.large[jobs]
    for _ in range(3):
        delay = rng.uniform(0, case.seconds)
        ran = _signalled(setup, jobs, signum, delay, group)
        where = f"FAULTS_SEED={seed}, signal after {delay:.3f} s of about {case.seconds:.2f} s"
        if ran.code == 0:  # it had finished: then all of it
            assert ran.stdout == case.expected, where
            assert "[error]" not in ran.stderr, where
        else:
            try:
                _one_error(ran, message, code)
            except AssertionError as error:
                raise AssertionError(f"{where}: exit {ran.code}: {error}") from error
            assert ran.stderr.splitlines()[-1] == message, where


def test_a_killed_worker_has_its_chunk_done_again(setup: Setup, tmp_path: Path) -> None:
    """SIGKILL (as the OOM killer sends it) to each worker once seen: the parent does its
    chunk itself, and the output is whole."""
    case = setup.large[2]
    deadline = time.monotonic() + 30
    with (
        open(case.path, "rb") as stdin,
        open(tmp_path / "stdout", "w+b") as stdout,
        subprocess.Popen(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
            env=_env(2),
        ) as proc,
    ):
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        killed: set[str] = set()
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                pids = set(children.read_text().split()) - killed
            except FileNotFoundError:
                if proc.poll() is None:
                    proc.kill()
                    pytest.skip("no /proc/PID/task/PID/children here")
                break
            for pid in pids:
                os.kill(int(pid), signal.SIGKILL)
            killed |= pids
            time.sleep(0.005)
        code = proc.wait(timeout=30)
        stdout.seek(0)
        output = stdout.read()
    assert killed, "no worker was seen"
    assert code == 0
    assert output == case.expected


# --- memory ------------------------------------------------------------------------------


def _imported_size() -> int:
    """The address space of a process that has imported the program (VmPeak)."""
    code = (
        "import krm_fn.cli, krm_fn.pipeline, krm_fn.parallel\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmPeak:'): print(int(line.split()[1]) * 1024)\n"
    )
    env = _unmeasured(dict(os.environ))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    return int(out.stdout)


@pytest.mark.parametrize("jobs", [1, 2])
def test_memory_limit(setup: Setup, jobs: int) -> None:
    """`ulimit -v` from just above what the imports take in steps of 0.5 MiB (where reading
    the input runs out, and the last words must still find memory: they are said once the
    run's frames are freed), then in steps of 1 MiB across where this input runs out (about
    11-13 MiB more: composing, in a worker, redoing its chunk, writing), and 300 MB: each
    run gives the whole output and exit 0, or one `[error]` line, nothing on stdout, exit 1."""
    case = setup.large[jobs]
    base = _imported_size()
    extras = [n / 2 for n in range(2, 10)] + [10, 11, 12, 13]
    limits = [base + int(extra * MiB) for extra in extras] + [300 * MiB]
    codes = []
    for limit in limits:
        ran = _run(
            [setup.tool, "--imagemaps", setup.maps],
            stdin=case.path,
            env=_env(jobs),
            address_space=limit,
        )
        codes.append(ran.code)
        if ran.code == 0:
            assert ran.stdout == case.expected, limit
        else:
            _one_error(ran, "")
            assert ran.stdout == b"", limit
    assert 1 in codes, f"no limit was hit: {codes}"
    assert codes[-1] == 0, "300 MB is enough for 1.3 MB"


@pytest.mark.parametrize("where", ["stdin", "--imagemaps", "manifests"])
def test_dev_zero(setup: Setup, tmp_path: Path, where: str) -> None:
    """An endless input is cut off at the input limit: an error in well under 10 s, within
    1 GiB of address space."""
    args: list[str | Path] = [setup.tool]
    stdin = Path("/dev/zero") if where == "stdin" else None
    if where == "--imagemaps":
        args += ["--imagemaps", "/dev/zero"]
    elif where == "manifests":
        config = tmp_path / "generate.yaml"
        config.write_text(
            "apiVersion: fn.apply-imagemaps.dev/v1alpha1\nkind: ApplyImageMaps\n"
            "manifests: [/dev/zero]\n"
        )
        args += ["--imagemaps", config]
    start = time.monotonic()
    ran = _run(args, stdin=stdin, address_space=2**30, timeout=20)
    assert time.monotonic() - start < 10
    _one_error(ran, LIMIT_HINT)
    assert ran.stdout == b""


# --- the input limit and other reads -----------------------------------------------------


def test_input_limit_from_the_environment(setup: Setup) -> None:
    args: list[str | Path] = [setup.tool, "--imagemaps", setup.maps]
    small = setup.small.path
    ran = _run(args, stdin=small, env=_env(APPLY_IMAGEMAPS_MAX_INPUT="1K"))
    _one_error(
        ran,
        "[error] cannot read stdin: larger than the input limit of 1 KiB "
        "(raise it with APPLY_IMAGEMAPS_MAX_INPUT, e.g. APPLY_IMAGEMAPS_MAX_INPUT=2K)",
    )
    ran = _run(args, stdin=small, env=_env(APPLY_IMAGEMAPS_MAX_INPUT="100"))
    _one_error(ran, f"[error] cannot read ImageMaps file {setup.maps}: larger than the input")
    ran = _run(args, stdin=small, env=_env(APPLY_IMAGEMAPS_MAX_INPUT="lots"))
    _one_error(ran, "[error] APPLY_IMAGEMAPS_MAX_INPUT='lots' is not a size")
    for size in ("1M", "1MiB", str(small.stat().st_size)):
        ran = _run(args, stdin=small, env=_env(APPLY_IMAGEMAPS_MAX_INPUT=size))
        assert (ran.code, ran.stdout) == (0, setup.small.expected), size


def test_imagemaps_from_a_pipe_but_not_a_directory(setup: Setup, tmp_path: Path) -> None:
    """`--imagemaps <(tilt get imagemaps -o yaml)` works; a directory is a clear error."""
    read_end, write_end = os.pipe()
    os.write(write_end, MAPS.encode())
    os.close(write_end)
    with open(setup.small.path, "rb") as stdin:
        proc = subprocess.run(
            [setup.tool, "--imagemaps", f"/dev/fd/{read_end}"],
            stdin=stdin,
            capture_output=True,
            env=_env(),
            pass_fds=[read_end],
            check=False,
        )
    os.close(read_end)
    assert (proc.returncode, proc.stdout) == (0, setup.small.expected)
    ran = _run([setup.tool, "--imagemaps", tmp_path], stdin=setup.small.path)
    _one_error(ran, f"[error] cannot read ImageMaps file {tmp_path}: Is a directory")


# --- the guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "line"),
    [
        (
            "ValueError('a bug\\nover two lines')",
            "[error] internal error: ValueError: a bug over two lines "
            '(please report this: see "Reporting problems" in the README)',
        ),
        (
            "MemoryError()",
            "[error] out of memory: the input needs more than this process may use",
        ),
    ],
)
def test_an_exception_that_escapes_is_one_line(raised: str, line: str) -> None:
    code = (
        "import krm_fn.pipeline, sys\n"
        f"def run(*args, **kwargs): raise {raised}\n"
        "krm_fn.pipeline.run = run\n"
        "from krm_fn.cli import main_entry\n"
        "main_entry()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], input=b"a: 1\n", capture_output=True, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr.decode()) == (1, b"", line + "\n")
