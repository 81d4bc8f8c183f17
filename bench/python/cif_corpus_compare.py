"""Side by side: pymatgen's Structure.from_file against `ct inspect --json` on a corpus of CIF files.

Run from the repository root with the Debian Python that has pymatgen:

    /usr/bin/python3 bench/python/cif_corpus_compare.py CORPUS_DIR_OR_FILE... [--jobs 2] [--report out.txt]

Every *.cif / *.mcif (also .gz) under the given folders is read by both; the script prints how many agree and lists
the disagreements by kind: formula, reduced formula, site count, lattice parameters (relative 1e-4), volume (relative
1e-3), order, and an error on one side only. pymatgen's answers (and its warnings) are cached next to the report
(keyed by path, size and modification time), since they do not change when our reader does; `--no-cache` ignores it.
"""
import argparse
import gzip
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter, defaultdict

LATTICE = ("a", "b", "c", "alpha", "beta", "gamma")
TIMEOUT_S = 120


def corpus_files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in names:
                    low = n.lower()
                    if low.endswith((".cif", ".mcif", ".cif.gz", ".mcif.gz")):
                        out.append(os.path.join(root, n))
        else:
            out.append(p)
    return sorted(set(os.path.abspath(p) for p in out))


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def pymatgen_values(path):
    """What pymatgen's Structure.from_file gives (or its error), and the warnings it raised."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    caught = []
    try:
        from pymatgen.core import Structure
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                s = Structure.from_file(path)  # a .cif.gz is read through zopen
                lat = s.lattice
                v = dict(formula=s.composition.formula, reduced_formula=s.composition.reduced_formula, n_sites=len(s),
                         a=lat.a, b=lat.b, c=lat.c, alpha=lat.alpha, beta=lat.beta, gamma=lat.gamma, volume=lat.volume,
                         is_ordered=s.is_ordered,
                         # newer pymatgen (check_occu) refuses a site whose summed occupancy exceeds 1.0 exactly
                         max_site_occupancy=max((sum(site.species.values()) for site in s), default=0.0))
            except Timeout:
                v = {"error": f"timeout after {TIMEOUT_S} s"}
            except Exception as e:  # noqa: BLE001 - recorded as pymatgen's answer
                v = {"error": f"{type(e).__name__}: {e}"[:300]}
            caught = sorted({str(x.message)[:160] for x in w})
    finally:
        signal.alarm(0)
    v["warnings"] = caught[:8]
    return path, v


def load_cache(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def cache_key(path):
    st = os.stat(path)
    return f"{path}|{st.st_size}|{int(st.st_mtime)}"


def run_pymatgen(files, jobs, cache_path):
    cache = load_cache(cache_path)
    todo = [f for f in files if cache_key(f) not in cache]
    if todo:
        print(f"pymatgen: reading {len(todo)} files ({len(files) - len(todo)} cached) with {jobs} processes", file=sys.stderr)
        t0 = time.time()
        with multiprocessing.Pool(jobs, maxtasksperchild=200) as pool:
            for i, (path, v) in enumerate(pool.imap_unordered(pymatgen_values, todo, chunksize=4)):
                cache[cache_key(path)] = v
                if (i + 1) % 500 == 0:
                    print(f"  {i + 1}/{len(todo)} in {time.time() - t0:.0f} s", file=sys.stderr)
                    save_cache(cache, cache_path)
        save_cache(cache, cache_path)
    return {f: cache[cache_key(f)] for f in files}


def save_cache(cache, path):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cache, f)
    os.replace(tmp, path)


def run_ct(files, ct, batch=400):
    out = {}
    t0 = time.time()
    for i in range(0, len(files), batch):
        chunk = files[i:i + batch]
        proc = subprocess.run([ct, "inspect", "--json", *chunk], capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            if not line.startswith("{"):
                continue
            o = json.loads(line)
            out.setdefault(os.path.abspath(o["file"]), o)  # first structure of a file (first block with atoms)
        if proc.returncode not in (0, 1):
            print(f"ct exit code {proc.returncode}: {proc.stderr.strip()[:300]}", file=sys.stderr)
    elapsed = time.time() - t0
    for f in files:
        out.setdefault(f, {"error": "no output from ct"})
    return out, elapsed


def amounts(formula):
    d = {}
    for part in formula.split():
        el = part.rstrip("0123456789.")
        d[el] = float(part[len(el):] or 1)
    return d


def compare(p, c):
    """The kinds of disagreement between pymatgen's values p and ours c (empty when they agree)."""
    pe, ce = "error" in p, "error" in c
    if pe and ce:
        return []
    if pe:
        return ["pymatgen error only"]
    if ce:
        return ["ct error only"]
    kinds = []
    if p["n_sites"] != c["n_sites"]:
        kinds.append("n_sites")
    if p["formula"] != c["formula"]:
        a1, a2 = amounts(p["formula"]), amounts(c["formula"])
        same_amounts = a1.keys() == a2.keys() and all(abs(a1[k] - a2[k]) <= 1e-6 * max(1, abs(a1[k])) for k in a1)
        kinds.append("formula (float noise)" if same_amounts else "formula")
    if p["reduced_formula"] != c["reduced_formula"]:
        kinds.append("reduced_formula")
    if any(abs(p[k] - c[k]) > 1e-4 * max(1.0, abs(p[k])) for k in LATTICE):
        kinds.append("lattice")
    if abs(p["volume"] - c["volume"]) > 1e-3 * max(1.0, abs(p["volume"])):
        kinds.append("volume")
    if bool(p["is_ordered"]) != bool(c["is_ordered"]):
        kinds.append("is_ordered")
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--ct", default="./ct")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--report", default="cif_corpus_report.txt")
    ap.add_argument("--json", help="also write every file's values from both sides as JSON lines")
    ap.add_argument("--cache", help="pymatgen cache file (default: next to the report)")
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args()

    files = corpus_files(args.paths)
    if not files:
        sys.exit("no CIF files found")
    cache_path = None if args.no_cache else (args.cache or os.path.splitext(args.report)[0] + ".pymatgen-cache.json")
    pmg = run_pymatgen(files, args.jobs, cache_path)
    ours, ct_seconds = run_ct(files, args.ct)

    by_kind = defaultdict(list)
    agree = both_error = 0
    for f in files:
        kinds = compare(pmg[f], ours[f])
        if not kinds:
            agree += 1
            both_error += "error" in pmg[f]
        for k in kinds:
            by_kind[k].append(f)

    lines = [f"{len(files)} files: {agree} agree ({both_error} of them an error on both sides), {len(files) - agree} differ",
             f"ct inspect: {ct_seconds:.1f} s for {len(files)} files (including start-up)"]
    for kind, fs in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {kind}: {len(fs)}")
    lines.append("")
    for kind, fs in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"== {kind} ({len(fs)})")
        for f in fs:
            p, c = pmg[f], ours[f]
            lines.append(f"{f}")
            lines.append(f"    pymatgen: {describe(p)}")
            lines.append(f"    ct:       {describe(c)}")
    with open(args.report, "w") as out:
        out.write("\n".join(lines) + "\n")
    if args.json:
        with open(args.json, "w") as out:
            for f in files:
                out.write(json.dumps({"file": f, "pymatgen": pmg[f], "ct": ours[f], "differ": compare(pmg[f], ours[f])}) + "\n")
    print("\n".join(lines[:2 + len(by_kind)]))
    print(f"details: {args.report}")


def describe(v):
    if "error" in v:
        return "ERROR " + v["error"][:200]
    s = (f"{v['formula']} | {v['reduced_formula']} | {v['n_sites']} sites | "
         + " ".join(f"{v[k]:.5g}" for k in LATTICE) + f" | V {v['volume']:.6g} | ordered {v['is_ordered']}")
    if v.get("warnings"):
        s += " | warn: " + "; ".join(w[:90] for w in v["warnings"][:2])
    return s


if __name__ == "__main__":
    main()
