"""Side-by-side reference for `dotnet run -c Release --project bench/CrystalTransformer.Bench -- graphs`.

Measures, with pymatgen on one thread, what the C# graph benchmark measures: perov5 CIF parsing, the official CGCNN
graph recipe (get_all_neighbors, sort by distance, keep 12), the fastest pymatgen path (get_neighbor_list + sort), and
neighbour lists on NaCl supercells (each case in its own process, so its peak memory is its own).
Prints one JSON object per line. Run with Debian's /usr/bin/python3 (python3-pymatgen).

    /usr/bin/python3 bench/python/graphs_pymatgen.py --root . [--cgcnn-count 1000] [--sizes 5,11,23] [--cutoffs 5,8]
"""
import argparse
import csv
import gzip
import json
import os
import resource
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from pymatgen.core import Lattice, Structure  # noqa: E402


def emit(**kw):
    print(json.dumps(kw), flush=True)


def perov5_cifs(root):
    csv.field_size_limit(1 << 30)
    with gzip.open(os.path.join(root, "data/perov5/perov5.csv.gz"), "rt") as f:
        return [row["cif"] for row in csv.DictReader(f)]


def nacl(n):
    a = 5.64
    base = Structure(Lattice.cubic(a), ["Na", "Na", "Na", "Na", "Cl", "Cl", "Cl", "Cl"],
                     [[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0], [.5, 0, 0], [0, .5, 0], [0, 0, .5], [.5, .5, .5]])
    return base * (n, n, n)


def nacl_case(n, cutoff):
    s = nacl(n)
    t = time.perf_counter()
    c, p, img, d = s.get_neighbor_list(cutoff)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    emit(name="nacl", atoms=len(s), cutoff=cutoff, pairs=int(len(c)), seconds=dt, peak_rss=peak)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--cgcnn-count", type=int, default=1000)
    ap.add_argument("--sizes", default="5,11,23")
    ap.add_argument("--cutoffs", default="5,8")
    ap.add_argument("--case", nargs=2)
    args = ap.parse_args()
    if args.case:
        nacl_case(int(args.case[0]), float(args.case[1]))
        return

    cifs = perov5_cifs(args.root)
    t = time.perf_counter()
    structures = [Structure.from_str(c, fmt="cif") for c in cifs]
    dt = time.perf_counter() - t
    emit(name="perov5_parse", count=len(structures), seconds=dt, rate=len(structures) / dt)

    subset = structures[:args.cgcnn_count]
    t = time.perf_counter()
    for s in subset:
        nbrs = s.get_all_neighbors(8.0, include_index=True)
        nbrs = [sorted(n, key=lambda x: x[1])[:12] for n in nbrs]
    dt = time.perf_counter() - t
    emit(name="perov5_cgcnn_recipe", count=len(subset), seconds=dt, rate=len(subset) / dt)

    t = time.perf_counter()
    for s in structures:
        c, p, img, d = s.get_neighbor_list(8.0)
        order = np.lexsort((d, c))
        starts = np.searchsorted(c[order], np.arange(len(s) + 1))
        kept = [(p[order[a:a + 12]], d[order[a:a + 12]]) for a in starts[:-1]]
    dt = time.perf_counter() - t
    emit(name="perov5_fast_path", count=len(structures), seconds=dt, rate=len(structures) / dt)

    for n in [int(x) for x in args.sizes.split(",")]:
        for cutoff in [float(x) for x in args.cutoffs.split(",")]:
            out = subprocess.run([sys.executable, __file__, "--case", str(n), str(cutoff)], capture_output=True, text=True)
            if out.returncode != 0:
                emit(name="nacl", atoms=8 * n ** 3, cutoff=cutoff, error=out.stderr.strip().splitlines()[-1:])
            else:
                sys.stdout.write(out.stdout)
                sys.stdout.flush()


if __name__ == "__main__":
    main()
