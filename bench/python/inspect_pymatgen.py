"""The pymatgen counterpart of `ct inspect --json --neighbors R FOLDER`, run as a whole process by the `startup` benchmark.

For every *.cif file of FOLDER (sorted by name): Structure.from_file, then the neighbour search of the official CGCNN
recipe (get_all_neighbors(R, include_index=True), each site's list sorted by distance), and one JSON line with what
ct prints: file, formula, reduced_formula, n_sites, lattice, volume, density, is_ordered, neighbour count and nearest
neighbour distance per site. Run with Debian's /usr/bin/python3 (python3-pymatgen), one thread.

    /usr/bin/python3 bench/python/inspect_pymatgen.py FOLDER R
"""
import glob
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pymatgen.core.structure import Structure  # noqa: E402


def main():
    folder, radius = sys.argv[1], float(sys.argv[2])
    out = sys.stdout
    for path in sorted(glob.glob(os.path.join(folder, "*.cif"))):
        s = Structure.from_file(path)
        neighbours = [sorted(n, key=lambda x: x[1]) for n in s.get_all_neighbors(radius, include_index=True)]
        lattice = s.lattice
        out.write(json.dumps({
            "file": path, "formula": s.composition.formula, "reduced_formula": s.composition.reduced_formula,
            "n_sites": len(s), "a": lattice.a, "b": lattice.b, "c": lattice.c,
            "alpha": lattice.alpha, "beta": lattice.beta, "gamma": lattice.gamma,
            "volume": lattice.volume, "density": float(s.density), "is_ordered": s.is_ordered,
            "neighbor_counts": [len(n) for n in neighbours],
            "nearest_distances": [n[0][1] if n else None for n in neighbours]}) + "\n")


if __name__ == "__main__":
    main()
