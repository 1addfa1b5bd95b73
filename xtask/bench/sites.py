#!/usr/bin/env python3
"""Benchmark the xtask: scale, everyday start, and cold build.

Usage: python3 xtask/bench/sites.py [--scale] [--changelog] [--startup] [--cold]
                                     [--against OLD_XTASK] [N ...]
(from the repository root; with no section flag, all four run)

--scale   `verify` and `bump` on synthetic repositories with many version
          sites (1,000 and 10,000 by default, or the N given), in release
          mode: each repository is written to a temporary directory (a
          quarter Cargo manifests, listed in one Cargo.lock site, a quarter
          package.json, a quarter pyproject.toml, a quarter pattern files);
          reports the median wall time and the peak memory of several runs
          of each command, the ratio of the largest size's time to the
          smallest's, and the load. Each bump runs on its own copy, all made
          and synced to disk before the first is timed (removing thousands
          of files just before creating as many would time the file
          system's inode allocator, not the xtask).
--changelog `changelog X` on a 50 MB changelog whose section X is nearly
          all of it (printed whole, so every byte is redacted): median
          wall time and peak memory against the file's size (goals: under
          1 s, at most 4x the file).
--against OLD_XTASK  also time that binary (an earlier release build),
          interleaved run by run with this one, and print both.
--startup what a person waits for on this repository, as `cargo xtask` runs
          it (the dev profile): the median of `cargo xtask --version` (cargo's
          start and freshness check) and of `cargo xtask verify`, interleaved
          in one run; the xtask's own share is their difference (goal: at
          most 20 ms).
--cold    a cold build of the xtask (`cargo build -p xtask`, dev profile,
          with this workspace's profile settings) against an empty crate that
          depends on the same six crates at their default features, built the
          same way, each into a fresh target directory, alternating, in the
          same run (goal: the xtask at most 1.3x). The crates must be in
          cargo's cache (any earlier build fetched them).

Timings are medians; other work on the machine adds noise, so say the load
(the script prints the load average) when you quote them.
"""
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def build():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "xtask"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", ROOT / "target")
    return str(pathlib.Path(target) / "release" / "xtask")


def make_repo(dir: pathlib.Path, n: int):
    (dir / ".git").mkdir(parents=True)
    (dir / "release").mkdir()
    sites = ['tag_format = "v{version}"\n']
    lock = ["version = 4\n"]
    crates = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            path = f"crates/c{i}/Cargo.toml"
            crates.append(f"c{i}")
            text = f'# crate {i}\n[package]\nname = "c{i}"\nversion = "1.0.0"\nedition = "2021"\n'
            entry = f'[[site]]\npath = "{path}"\nkind = "cargo-manifest"\n'
            lock.append(f'\n[[package]]\nname = "c{i}"\nversion = "1.0.0"\n')
        elif kind == 1:
            path = f"js/p{i}/package.json"
            text = f'{{\n  "name": "p{i}",\n  "version": "1.0.0",\n  "private": true\n}}\n'
            entry = f'[[site]]\npath = "{path}"\nkind = "package-json"\n'
        elif kind == 2:
            path = f"py/p{i}/pyproject.toml"
            text = f'[project]\nname = "p{i}"\nversion = "1.0.0"\n'
            entry = f'[[site]]\npath = "{path}"\nkind = "pyproject"\n'
        else:
            path = f"misc/v{i}.txt"
            text = f"release line\nVERSION=1.0.0\n"
            entry = f'[[site]]\npath = "{path}"\nkind = "pattern"\npattern = "VERSION={{version}}"\n'
        (dir / path).parent.mkdir(parents=True, exist_ok=True)
        (dir / path).write_text(text)
        sites.append(entry)
    (dir / "Cargo.lock").write_text("".join(lock))
    packages = ", ".join(f'"{c}"' for c in crates)
    sites.append(f'[[site]]\npath = "Cargo.lock"\nkind = "cargo-lock"\npackages = [{packages}]\n')
    (dir / "release" / "config.toml").write_text("\n".join(sites))


def run_once(cmd):
    """Wall time (s) and peak resident memory (bytes) of one run of `cmd`."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed: {err.decode()}")
    return wall, usage.ru_maxrss * 1024


def timed(cmd, runs):
    """Median wall time and the largest peak memory of `runs` runs."""
    times, peaks = [], []
    for _ in range(runs):
        wall, peak = run_once(cmd)
        times.append(wall)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


BASELINE_DEPS = """\
xshell = "0.2"
clap = { version = "4", features = ["derive"] }
anyhow = "1"
semver = "1"
toml_edit = "0.22"
serde_json = "1"
"""


def load():
    try:
        return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def startup(runs=21):
    subprocess.run(["cargo", "build", "--quiet", "-p", "xtask"], cwd=ROOT, check=True)
    version, verify = [], []
    for _ in range(runs):
        for cmd, out in ((["cargo", "xtask", "--version"], version), (["cargo", "xtask", "verify"], verify)):
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            out.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed: {done.stderr.decode()}")
    v, w = statistics.median(version) * 1000, statistics.median(verify) * 1000
    print(f"startup (dev profile, median of {runs}, load {load()}):")
    print(f"  cargo xtask --version {v:6.1f} ms")
    print(f"  cargo xtask verify    {w:6.1f} ms")
    print(f"  the xtask's own share {w - v:6.1f} ms (goal: <= 20 ms)")


def cold_build(runs=1):
    base = pathlib.Path(tempfile.mkdtemp(prefix="xtask-bench-cold-"))
    empty = base / "empty"
    (empty / "src").mkdir(parents=True)
    (empty / "Cargo.toml").write_text(
        '[package]\nname = "empty"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n'
        + BASELINE_DEPS + "\n[workspace]\n"
    )
    (empty / "src" / "main.rs").write_text("fn main() {}\n")
    shutil.copy(ROOT / "Cargo.lock", empty / "Cargo.lock")
    env = dict(os.environ)
    env.pop("CARGO_TARGET_DIR", None)

    def build_once(cwd, args, target):
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(["cargo", "build", "--quiet", "--offline", *args, "--target-dir", str(target)],
                       cwd=cwd, env=env, check=True)
        return time.perf_counter() - start

    # Fetch and resolve first, so only compiling is timed.
    subprocess.run(["cargo", "fetch", "--quiet"], cwd=empty, check=True)
    xtask, baseline = [], []
    for _ in range(runs):
        baseline.append(build_once(empty, [], base / "target-empty"))
        xtask.append(build_once(ROOT, ["-p", "xtask"], base / "target-xtask"))
    x, b = statistics.median(xtask), statistics.median(baseline)
    print(f"cold build (dev profile, median of {runs}, load {load()}):")
    print(f"  empty crate, six deps at default features {b:6.1f} s")
    print(f"  xtask                                     {x:6.1f} s")
    print(f"  ratio {x / b:.2f} (goal: <= 1.3)")
    shutil.rmtree(base)


def main():
    args = sys.argv[1:]
    against = None
    if "--against" in args:
        at = args.index("--against")
        against = str(pathlib.Path(args[at + 1]).resolve())
        del args[at:at + 2]
    sections = {a for a in args if a.startswith("--")}
    every = {"--scale", "--changelog", "--startup", "--cold"}
    unknown = sections - every
    if unknown:
        sys.exit(f"unknown flag(s): {', '.join(sorted(unknown))}")
    sections = sections or every
    numbers = [int(a) for a in args if not a.startswith("--")]
    if "--startup" in sections:
        startup()
    if "--cold" in sections:
        cold_build(int(os.environ.get("BENCH_COLD_RUNS", "3")))
    if "--scale" in sections:
        scale(numbers or [1000, 10000], against)
    if "--changelog" in sections:
        changelog(against)


def binaries(against):
    """This release build, and the one to compare with, by name."""
    xtask = build()
    return [("new", xtask)] + ([("old", against)] if against else [])


def mb(n):
    return f"{n / 1e6:.0f} MB"


def scale(sizes, against=None, runs=5):
    bins = binaries(against)
    results = {}
    print(f"scale (release build, median of {runs}, load at start {load()}):")
    for n in sizes:
        base = pathlib.Path(tempfile.mkdtemp(prefix=f"xtask-bench-{n}-"))
        template = base / "template"
        make_repo(template, n)
        # One copy per bump, all made before any is timed, then synced.
        copies = {(name, i): base / f"{name}-{i}" for name, _ in bins for i in range(runs)}
        for copy in copies.values():
            shutil.copytree(template, copy)
        os.sync()
        times = {(name, what): [] for name, _ in bins for what in ("verify", "bump", "dry")}
        peaks = {key: 0 for key in times}
        for i in range(runs):  # interleaved: new, old, new, old, ...
            for name, xtask in bins:
                work = str(copies[name, i])
                for what, cmd in (
                    ("verify", [xtask, "-C", str(template), "verify"]),
                    ("dry", [xtask, "-C", str(template), "bump", "minor", "--dry-run"]),
                    ("bump", [xtask, "-C", work, "bump", "minor"]),
                ):
                    wall, peak = run_once(cmd)
                    times[name, what].append(wall)
                    peaks[name, what] = max(peaks[name, what], peak)
        for name, _ in bins:
            med = {what: statistics.median(times[name, what]) for what in ("verify", "bump", "dry")}
            results[name, n] = med
            peak = max(peaks[name, w] for w in ("verify", "bump", "dry"))
            print(
                f"  {name} {n:>6} sites: verify {med['verify']*1000:8.1f} ms   bump {med['bump']*1000:8.1f} ms"
                f"   bump --dry-run {med['dry']*1000:8.1f} ms   peak memory {mb(peak)}"
            )
        shutil.rmtree(base)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for name, _ in bins:
            for what in ("verify", "bump"):
                ratio = results[name, large][what] / results[name, small][what]
                print(f"  {name} {what}: {large/small:.0f}x the sites took {ratio:.1f}x the time"
                      f" (goal: at most {1.2 * large / small:.0f}x)")
    here, _ = timed([bins[0][1], "-C", str(ROOT), "verify"], 20)
    print(f"  this repository: verify {here*1000:.1f} ms (median of 20)")
    print(f"  load at the end {load()}")


def make_changelog(dir: pathlib.Path, size=50_000_000):
    (dir / ".git").mkdir(parents=True)
    (dir / "release").mkdir()
    (dir / "release" / "config.toml").write_text(
        'tag_format = "v{version}"\n\n[[site]]\npath = "CHANGELOG.md"\nkind = "changelog"\n'
    )
    line = "- Fixed a crash in the widget parser when a line ends in a dash -\n"
    head = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-01-01\n\n### Fixed\n\n"
    tail = "\n## [0.1.0] - 2025-01-01\n\n- First release.\n"
    (dir / "CHANGELOG.md").write_text(head + line * (size // len(line)) + tail)
    return (dir / "CHANGELOG.md").stat().st_size


def changelog(against=None, runs=5):
    bins = binaries(against)
    base = pathlib.Path(tempfile.mkdtemp(prefix="xtask-bench-changelog-"))
    size = make_changelog(base)
    times = {name: [] for name, _ in bins}
    peaks = {name: 0 for name, _ in bins}
    for _ in range(runs):
        for name, xtask in bins:
            wall, peak = run_once([xtask, "-C", str(base), "changelog", "0.2.0"])
            times[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    print(f"changelog 0.2.0 on a {mb(size)} changelog (release build, median of {runs}, load {load()}):")
    for name, _ in bins:
        print(f"  {name}: {statistics.median(times[name]):.2f} s, peak memory {mb(peaks[name])}"
              f" ({peaks[name] / size:.1f}x the file; goals: under 1 s, at most 4x)")
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
