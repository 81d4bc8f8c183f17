"""Reference values for the sample POSCARs, read with pymatgen (2022.11, Debian python3-pymatgen).

Run from anywhere with /usr/bin/python3; writes pymatgen_reference.json next to this script.
The product and its tests never run this; it documents how the committed fixture was made.
"""
import json
import os
import warnings

from pymatgen.io.vasp import Poscar

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "..", "..", "data", "samples", "alignn_poscar")

rows = []
for name in sorted(os.listdir(SAMPLES)):
    if not name.endswith(".vasp"):
        continue
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = Poscar.from_file(os.path.join(SAMPLES, name), check_for_POTCAR=False).structure
    a, b, c = s.lattice.abc
    alpha, beta, gamma = s.lattice.angles
    rows.append({
        "file": name,
        "formula": s.composition.formula,
        "reduced_formula": s.composition.reduced_formula,
        "n_sites": len(s),
        "a": a, "b": b, "c": c, "alpha": alpha, "beta": beta, "gamma": gamma,
        "volume": s.volume,
        "species": [site.specie.symbol for site in s],
        "frac": [list(map(float, site.frac_coords)) for site in s],
    })

with open(os.path.join(HERE, "pymatgen_reference.json"), "w") as f:
    json.dump(rows, f, indent=1)
print(f"{len(rows)} structures")
