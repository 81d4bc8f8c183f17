"""Reference values for data/nomad2018/train.extxyz.gz, read with ASE (Debian python3-ase) and converted to
pymatgen (2022.11) with AseAtomsAdaptor, so formula conventions and lattice parameters are pymatgen's.

Run with /usr/bin/python3; writes nomad_reference.json.gz next to this script. The product and its tests never
run this; it documents how the committed fixture was made.
"""
import gzip
import json
import os

import ase.io
from pymatgen.io.ase import AseAtomsAdaptor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "data", "nomad2018", "train.extxyz.gz")

with gzip.open(DATA, "rt") as f:
    frames = ase.io.read(f, index=":", format="extxyz")

rows = []
for atoms in frames:
    s = AseAtomsAdaptor.get_structure(atoms)
    a, b, c = s.lattice.abc
    alpha, beta, gamma = s.lattice.angles
    labels = {k: float(v) for k, v in atoms.info.items() if k != "id"}
    rows.append({
        "id": str(atoms.info["id"]),
        "formula": s.composition.formula,
        "reduced_formula": s.composition.reduced_formula,
        "n_sites": len(s),
        "a": a, "b": b, "c": c, "alpha": alpha, "beta": beta, "gamma": gamma,
        "volume": s.volume,
        "labels": labels,
        "symbols": "".join(f"{sym} " for sym in atoms.get_chemical_symbols()).strip(),
        "first_frac": list(map(float, s[0].frac_coords)),
        "last_frac": list(map(float, s[-1].frac_coords)),
    })

with gzip.open(os.path.join(HERE, "nomad_reference.json.gz"), "wt") as f:
    json.dump(rows, f)
print(f"{len(rows)} frames")
