"""Reference values for the built-in crystals read with pymatgen 2022.11 (the correctness reference):
perov5_reference.tsv.gz for all 7,996 CIFs of data/perov5/perov5.csv.gz (Structure.from_str(cif, fmt="cif")) and
samples_reference.tsv for data/samples (CGCNN CIFs and ALIGNN POSCARs, Structure.from_file).
Columns: id, formula, reduced_formula, n_sites, a, b, c, alpha, beta, gamma, volume, is_ordered.

Run from the repository root with /usr/bin/python3 (Debian python3-pymatgen). The tests never run this.
"""
import csv
import glob
import gzip
import os
import warnings

warnings.simplefilter("ignore")
from pymatgen.core import Structure  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "data")
COLUMNS = ["id", "formula", "reduced_formula", "n_sites", "a", "b", "c", "alpha", "beta", "gamma", "volume", "is_ordered"]


def row(ident, s):
    lat = s.lattice
    return [ident, s.composition.formula, s.composition.reduced_formula, str(len(s)), *(repr(float(v)) for v in (*lat.abc, *lat.angles, lat.volume)),
            str(s.is_ordered)]


with gzip.open(os.path.join(DATA, "perov5", "perov5.csv.gz"), "rt") as f, \
        gzip.open(os.path.join(HERE, "perov5_reference.tsv.gz"), "wt", compresslevel=9) as out:
    out.write("\t".join(COLUMNS) + "\n")
    for r in csv.DictReader(f):
        out.write("\t".join(row(r["id"], Structure.from_str(r["cif"], fmt="cif"))) + "\n")

with open(os.path.join(HERE, "samples_reference.tsv"), "w") as out:
    out.write("\t".join(["file"] + COLUMNS[1:]) + "\n")
    for path in sorted(glob.glob(os.path.join(DATA, "samples", "cgcnn_cif", "*.cif")) + glob.glob(os.path.join(DATA, "samples", "alignn_poscar", "*.vasp"))):
        rel = os.path.relpath(path, os.path.join(DATA, "samples"))
        out.write("\t".join(row(rel, Structure.from_file(path))) + "\n")
