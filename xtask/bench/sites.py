#!/usr/bin/env python3
"""Benchmark `cargo xtask verify` and `bump` on synthetic repositories with
many version sites (1,000 and 10,000 by default), and `verify` on this repo.

Usage: python3 xtask/bench/sites.py [N ...]   (from the repository root)

It builds the xtask in release mode, writes each synthetic repository to a
temporary directory (a quarter Cargo manifests, listed in one Cargo.lock
site, a quarter package.json, a quarter pyproject.toml, a quarter pattern
files), then reports the median wall time of several runs of each command. Each
bump starts from a fresh copy, synced to disk before it is timed.
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


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
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
    print(f"this repository: verify {here*1000:.1f} ms (median of 20)")


if __name__ == "__main__":
    main()
