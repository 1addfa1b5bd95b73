#!/usr/bin/env python3
"""Benchmark the xtask: scale, everyday start, and cold build.

Usage: python3 xtask/bench/sites.py [--scale] [--startup] [--cold] [N ...]
(from the repository root; with no section flag, all three run)

--scale   `verify` and `bump` on synthetic repositories with many version
          sites (1,000 and 10,000 by default, or the N given), in release
          mode: each repository is written to a temporary directory (a
          quarter Cargo manifests, listed in one Cargo.lock site, a quarter
          package.json, a quarter pyproject.toml, a quarter pattern files);
          reports the median wall time of several runs of each command.
          Each bump starts from a fresh copy, synced to disk before it is
          timed.
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


def timed(cmd, runs, setup=None):
    times = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        out = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {out.stderr.decode()}")
    return statistics.median(times)


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
    sections = {a for a in args if a.startswith("--")}
    unknown = sections - {"--scale", "--startup", "--cold"}
    if unknown:
        sys.exit(f"unknown flag(s): {', '.join(sorted(unknown))}")
    sections = sections or {"--scale", "--startup", "--cold"}
    numbers = [int(a) for a in args if not a.startswith("--")]
    if "--startup" in sections:
        startup()
    if "--cold" in sections:
        cold_build(int(os.environ.get("BENCH_COLD_RUNS", "3")))
    if "--scale" in sections:
        scale(numbers or [1000, 10000])


def scale(sizes):
    xtask = build()
    results = {}
    for n in sizes:
        base = pathlib.Path(tempfile.mkdtemp(prefix=f"xtask-bench-{n}-"))
        template = base / "template"
        make_repo(template, n)
        work = base / "work"

        def fresh():
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(template, work)
            # Settle the copy on disk, as a real checkout is: overwriting
            # pages still dirty from the copy would flatter in-place writes.
            os.sync()

        fresh()
        verify = timed([xtask, "-C", str(work), "verify"], 5)
        bump = timed([xtask, "-C", str(work), "bump", "minor"], 5, setup=fresh)
        dry = timed([xtask, "-C", str(work), "bump", "minor", "--dry-run"], 5)
        results[n] = (verify, bump, dry)
        print(f"{n:>6} sites: verify {verify*1000:8.1f} ms   bump {bump*1000:8.1f} ms   bump --dry-run {dry*1000:8.1f} ms")
        shutil.rmtree(base)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for i, name in enumerate(["verify", "bump"]):
            ratio = results[large][i] / results[small][i]
            print(f"{name}: {large/small:.0f}x the sites took {ratio:.1f}x the time")
    here = timed([xtask, "-C", str(ROOT), "verify"], 20)
    print(f"this repository: verify {here*1000:.1f} ms (median of 20, release build, load {load()})")


if __name__ == "__main__":
    main()
