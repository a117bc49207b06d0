#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""measure.py: run commands several times, print a table of medians with ratios.

Usage: measure.py --runs N --bytes B --reference NAME [--items N] [--prepare CMD]
                  [--check CMD] [--count LABEL=CMD] NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND runs N times, interleaved with the others (round-robin, so a noisy
spell on the shared machine hits every command alike), under /usr/bin/time.
--prepare runs before every run (e.g. remove the previous output); --check runs
after every run with $NAME set and must exit 0 (e.g. compare a checksum), else
the run is reported as failed and the benchmark exits 1.
Prints, per command, the median wall time, MB/s (B bytes / wall), user+sys CPU
seconds and peak RSS, and each as a ratio to the reference command's median.
With --items N (e.g. 1,000 files), files per second (N / wall) replace MB/s.
--count LABEL=CMD (repeatable) runs CMD after every run's check, with $NAME set; its
standard output must be a number (e.g. the connections the server saw), and its median
is printed in a column LABEL after the others.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile


def run_once(cmd, env):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M", "bash", "-c", cmd]
        proc = subprocess.run(full, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        line = tf.read().strip().splitlines()
        if proc.returncode != 0 or not line:
            raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
        wall, user, sys_, rss = line[-1].split()
        return float(wall), float(user) + float(sys_), int(rss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bytes", type=int, required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--prepare", default="")
    ap.add_argument("--check", default="")
    ap.add_argument("--title", default="")
    ap.add_argument("--items", type=int, default=0,
                    help="report N / wall (files/s) instead of MB/s")
    ap.add_argument("--count", action="append", default=[],
                    help="LABEL=CMD: CMD prints a number after every run; its median is a column")
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()

    cmds = []
    for spec in args.commands:
        name, _, cmd = spec.partition("=")
        cmds.append((name, cmd))
    names = [n for n, _ in cmds]
    if args.reference not in names:
        sys.exit(f"measure.py: no command named {args.reference}")

    counts = [c.partition("=")[::2] for c in args.count]
    results = {n: [] for n in names}
    counted = {n: {label: [] for label, _ in counts} for n in names}
    failed = False
    for i in range(args.runs):
        for name, cmd in cmds:
            env = dict(os.environ, NAME=name)
            if args.prepare:
                subprocess.run(["bash", "-c", args.prepare], env=env, check=True)
            try:
                results[name].append(run_once(cmd, env))
            except RuntimeError as e:
                print(f"# {name} run {i + 1} failed: {e}", file=sys.stderr)
                failed = True
                continue
            if args.check:
                if subprocess.run(["bash", "-c", args.check], env=env).returncode != 0:
                    print(f"# {name} run {i + 1}: the check failed", file=sys.stderr)
                    failed = True
            for label, ccmd in counts:
                out = subprocess.run(["bash", "-c", ccmd], env=env, capture_output=True,
                                     text=True)
                try:
                    counted[name][label].append(float(out.stdout.strip()))
                except ValueError:
                    print(f"# {name} run {i + 1}: {label} printed {out.stdout.strip()!r}, "
                          f"not a number: {out.stderr.strip()[-200:]}", file=sys.stderr)
                    failed = True

    med = {}
    for name in names:
        r = results[name]
        if not r:
            continue
        med[name] = (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r),
                     statistics.median(x[2] for x in r), len(r))

    ref = med.get(args.reference)
    if args.title:
        print(args.title)
    # Throughput: files/s with --items, else MB/s; higher is better either way.
    unit, amount, scale = ("files/s", args.items, 1) if args.items else ("MB/s", args.bytes, 1e6)
    print(f"{'command':<22} {'runs':>4} {'wall s':>8} {unit:>8} {'x ref':>6} "
          f"{'CPU s':>7} {'x ref':>6} {'RSS MiB':>8} {'x ref':>6}"
          + "".join(f" {label:>{max(len(label), 6)}}" for label, _ in counts))
    for name in names:
        if name not in med:
            print(f"{name:<22} failed every run")
            continue
        wall, cpu, rss, n = med[name]
        extra = ""
        for label, _ in counts:
            v = counted[name][label]
            cell = f"{statistics.median(v):g}" if v else "-"
            extra += f" {cell:>{max(len(label), 6)}}"
        rate = amount / wall / scale if wall > 0 else float("inf")
        if ref:
            rrate = amount / ref[0] / scale if ref[0] > 0 else float("inf")
            r1, r2, r3 = rate / rrate, cpu / ref[1] if ref[1] else float("inf"), rss / ref[2]
            print(f"{name:<22} {n:>4} {wall:>8.3f} {rate:>8.0f} {r1:>6.2f} {cpu:>7.2f} {r2:>6.2f} "
                  f"{rss / 1024:>8.1f} {r3:>6.2f}{extra}")
        else:
            print(f"{name:<22} {n:>4} {wall:>8.3f} {rate:>8.0f} {'-':>6} {cpu:>7.2f} {'-':>6} "
                  f"{rss / 1024:>8.1f} {'-':>6}{extra}")
    print(f"(medians of {args.runs} interleaved runs; ratios against {args.reference}: "
          "throughput higher is better, CPU and RSS lower is better)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
