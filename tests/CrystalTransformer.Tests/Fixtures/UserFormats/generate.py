"""Fixtures for the pymatgen JSON and ASE database readers, written by pymatgen and ASE themselves.

Run once with Debian's /usr/bin/python3 (python3-pymatgen 2022.11, python3-ase 3.22; apt-get install python3-pymatgen
python3-ase). Writes next to this script:

- structure.json          one Structure, Structure.to(fmt="json") (oxidation states on the species)
- structures.json         a JSON list of Structure.as_dict() (one with a disordered site)
- matbench_split.json.gz  matminer/matbench layout: store_dataframe_as_json's orient="split" of a DataFrame with a
                          "structure" column and targets, index = ids; record 5 is bad (a site of unknown element "Xx")
- records.json            orient="records": [{"material_id", "structure", "e_form", "band_gap", "split"}, ...];
                          record 4 is bad (no lattice)
- structures.db           an ASE database: key_value_pairs name (the id), e_form, band_gap, split; row 2 has a
                          calculator energy; row 6 is a molecule (no periodic cell), which a crystal reader refuses
- reference.json          what pymatgen and ASE read back: per file and record the id, lattice matrix, fractional
                          coordinates, species with occupancies, labels and pymatgen's formula; bad records by index

The product and its tests never run this; it documents how the committed fixtures were made.
"""
import gzip
import json
import os

import numpy as np
import pandas as pd
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.db import connect
from monty.json import MontyEncoder
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261203)


def crystals():
    """Twelve small crystals with irregular coordinates and cells (full float64 digits matter)."""
    out = []
    protos = [
        ("Fm-3m", Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
        ("P6_3mc", Lattice.hexagonal(3.19, 5.19), ["Ga", "N"], [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.377]]),
        ("Pm-3m", Lattice.cubic(3.905), ["Sr", "Ti", "O"], [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0]]),
        ("Fm-3m", Lattice.cubic(4.05), ["Al"], [[0, 0, 0]]),
        ("R-3c", Lattice.hexagonal(5.04, 13.75), ["Fe", "O"], [[0, 0, 0.3553], [0.3059, 0, 0.25]]),
        ("Fd-3m", Lattice.cubic(5.43), ["Si"], [[0, 0, 0]]),
    ]
    for k in range(12):
        sg, lattice, species, coords = protos[k % len(protos)]
        s = Structure.from_spacegroup(sg, lattice, species, coords)
        # an irregular cell and coordinates: a strained lattice and displaced sites
        strain = np.eye(3) + rng.normal(0, 0.01, (3, 3))
        s = Structure(Lattice(np.dot(s.lattice.matrix, strain)), s.species, s.frac_coords + rng.normal(0, 0.01, (len(s), 3)))
        out.append(s)
    return out


def describe(s, sid, labels):
    return {
        "id": sid,
        "formula": s.composition.formula,
        "matrix": s.lattice.matrix.tolist(),
        "frac": [list(map(float, site.frac_coords)) for site in s],
        "species": [[[sp.symbol, float(occ), getattr(sp, "oxi_state", None)] for sp, occ in site.species.items()] for site in s],
        "labels": labels,
    }


structs = crystals()
reference = {}

# One structure, with oxidation states.
one = structs[2].copy()
one.add_oxidation_state_by_element({"Sr": 2, "Ti": 4, "O": -2})
one.to(filename=os.path.join(HERE, "structure.json"), fmt="json")
back = Structure.from_file(os.path.join(HERE, "structure.json"))
reference["structure.json"] = {"records": [describe(back, "", {})], "bad": None}

# A list of dicts, one with a disordered site.
listed = [structs[0].copy(), structs[1].copy(), structs[3].copy()]
listed[1].replace(0, {"Ga": 0.5, "Al": 0.5})
with open(os.path.join(HERE, "structures.json"), "w") as f:
    json.dump([s.as_dict() for s in listed], f)
with open(os.path.join(HERE, "structures.json")) as f:
    reference["structures.json"] = {"records": [describe(Structure.from_dict(d), "", {}) for d in json.load(f)], "bad": None}

# matbench / matminer layout: DataFrame.to_dict(orient="split") encoded with MontyEncoder, gzip-compressed.
ids = [f"mb-test-{k + 1:05d}" for k in range(8)]
e_form = [round(float(v), 6) for v in rng.normal(-1.0, 0.5, 8)]
df = pd.DataFrame({"structure": structs[:8], "e_form": e_form}, index=ids)
split = df.to_dict(orient="split")
text = json.dumps(split, cls=MontyEncoder)
doc = json.loads(text)
doc["data"][4][0]["sites"][0]["species"][0]["element"] = "Xx"  # record 5: not an element
with gzip.open(os.path.join(HERE, "matbench_split.json.gz"), "wt") as f:
    json.dump(doc, f)
with gzip.open(os.path.join(HERE, "matbench_split.json.gz"), "rt") as f:
    doc = json.load(f)
records = []
for i, (sid, row) in enumerate(zip(doc["index"], doc["data"])):
    if i == 4:
        continue
    records.append(describe(Structure.from_dict(row[0]), sid, {"e_form": row[1]}))
reference["matbench_split.json.gz"] = {"records": records, "bad": 5}

# orient="records" with ids, two targets (one missing) and a split.
rows = []
splits = ["train", "train", "train", "val", "test", "train", "train", "val", "test", "train"]
for k in range(10):
    s = structs[(k + 3) % 12]
    rows.append({"material_id": f"mp-{1000 + k}", "structure": s.as_dict(), "e_form": round(float(rng.normal(-1, 0.5)), 6),
                 "band_gap": None if k == 7 else round(float(abs(rng.normal(1, 1))), 6), "split": splits[k]})
del rows[3]["structure"]["lattice"]  # record 4: no lattice
with open(os.path.join(HERE, "records.json"), "w") as f:
    json.dump(rows, f, indent=1)
with open(os.path.join(HERE, "records.json")) as f:
    rows = json.load(f)
reference["records.json"] = {
    "records": [describe(Structure.from_dict(r["structure"]), r["material_id"],
                         {k: r[k] for k in ("e_form", "band_gap") if r[k] is not None}) | {"split": r["split"]}
                for i, r in enumerate(rows) if i != 3],
    "bad": 4,
}

# An ASE database.
path = os.path.join(HERE, "structures.db")
if os.path.exists(path):
    os.remove(path)
db = connect(path)
for k in range(8):
    if k == 5:
        db.write(Atoms("H2O", positions=[[0, 0, 0], [0.76, 0.59, 0], [-0.76, 0.59, 0]]), name="water", e_form=0.0, split="train")
        continue
    atoms = AseAtomsAdaptor.get_atoms(structs[(k + 5) % 12])
    if k == 1:
        atoms.calc = SinglePointCalculator(atoms, energy=-12.345678)
    db.write(atoms, name=f"ase-{k + 1}", e_form=round(float(rng.normal(-1, 0.5)), 6), band_gap=round(float(abs(rng.normal(1, 1))), 6),
             split=splits[k])
records = []
for row in connect(path).select():
    if not row.pbc.any():
        continue
    atoms = row.toatoms()
    s = AseAtomsAdaptor.get_structure(atoms)
    labels = {k: v for k, v in row.key_value_pairs.items() if isinstance(v, float)}
    if row.get("energy") is not None:
        labels["energy"] = row.energy
    d = describe(s, row.name, labels) | {"split": row.split, "row_id": row.id}
    # ASE stores Cartesian positions; the fractions pymatgen computes from them are the reference.
    d["cartesian"] = atoms.positions.tolist()
    records.append(d)
reference["structures.db"] = {"records": records, "bad": 6}

with open(os.path.join(HERE, "reference.json"), "w") as f:
    json.dump(reference, f, indent=1)
print({k: len(v["records"]) for k, v in reference.items()})
