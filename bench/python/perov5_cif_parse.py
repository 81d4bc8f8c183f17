"""Side-by-side reference: pymatgen parse rate on perov5's CIF column (one thread).

Usage: /usr/bin/python3 bench/python/perov5_cif_parse.py data/perov5/perov5.csv.gz [max_rows]
Prints one line: "pymatgen <n> structures in <s> s CPU = <rate>/s" (CPU time of this process, robust on a busy machine).
"""
import csv
import gzip
import io
import sys
import time
import warnings

warnings.simplefilter("ignore")
from pymatgen.core import Structure  # noqa: E402

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
with gzip.open(path, "rt") as f:
    rows = [r["cif"] for _, r in zip(range(limit), csv.DictReader(f))]
wall = time.perf_counter()
start = time.process_time()
for cif in rows:
    Structure.from_str(cif, fmt="cif")
elapsed = time.process_time() - start
wall = time.perf_counter() - wall
print(f"pymatgen {len(rows)} structures in {elapsed:.3f} s CPU ({wall:.3f} s wall) = {len(rows) / elapsed:.0f}/s")
