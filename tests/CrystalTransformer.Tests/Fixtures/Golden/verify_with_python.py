"""Checks that pymatgen and ASE read the files our writers produce (run by hand with /usr/bin/python3; the tests
never need Python).

    /usr/bin/python3 verify_with_python.py [REWRITTEN_DIR]

Always checks the golden files next to this script. With REWRITTEN_DIR (holding nomad_rewritten.extxyz, all NOMAD
frames written by our extxyz writer, and poscar/*.vasp, the sample POSCARs written by our POSCAR writer), also
compares every rewritten structure with the original data read by ASE/pymatgen.
"""
import gzip
import os
import sys
import warnings

import numpy as np
import ase.io
from pymatgen.io.vasp import Poscar

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "data")
warnings.simplefilter("ignore")

# Golden files: the fixed GaN structure of GoldenFileTests.
expected_cell = np.array([[3.189, 0, 0], [-1.5945, 2.7617442, 0], [0.01, -0.02, 5.185]])
expected_frac = np.array([[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.377], [2 / 3, 1 / 3, 0.5], [2 / 3, 1 / 3, 0.877]])
xyz = ase.io.read(os.path.join(HERE, "GaN.extxyz"), format="extxyz")
assert xyz.get_chemical_symbols() == ["Ga", "N", "Ga", "N"]
assert np.allclose(xyz.cell[:], expected_cell, atol=0, rtol=0)
assert np.allclose(xyz.get_scaled_positions(wrap=False), expected_frac, atol=1e-15)
assert xyz.info["id"] == "golden-GaN" and xyz.info["formation_energy_ev_natom"] == -0.6543 and xyz.info["band_gap"] == 3.4
assert xyz.info["spacegroup_symbol"] == "P6_3mc" and xyz.info["note"] == "fixed structure for golden files"
assert list(xyz.pbc) == [True, True, True]
p = Poscar.from_file(os.path.join(HERE, "GaN.vasp"), check_for_POTCAR=False)
assert [s.specie.symbol for s in p.structure] == ["Ga", "N", "Ga", "N"]
assert np.array_equal(p.structure.lattice.matrix, expected_cell)
assert np.allclose(p.structure.frac_coords, expected_frac, atol=1e-16)
assert p.selective_dynamics[1] == [False, False, True]
v = ase.io.read(os.path.join(HERE, "GaN.vasp"), format="vasp")
assert v.get_chemical_symbols() == ["Ga", "N", "Ga", "N"] and np.array_equal(v.cell[:], expected_cell)
from pymatgen.core import Structure  # noqa: E402
c = Structure.from_file(os.path.join(HERE, "GaN.cif"))
assert c.composition.formula == "Ga2 N2" and abs(c.volume - abs(np.linalg.det(expected_cell))) < 1e-6
assert sorted(map(tuple, np.round(c.frac_coords, 8))) == sorted(map(tuple, np.round(expected_frac, 8)))
print("golden files: pymatgen and ASE read them correctly")

if len(sys.argv) > 1:
    out = sys.argv[1]
    with gzip.open(os.path.join(DATA, "nomad2018", "train.extxyz.gz"), "rt") as f:
        original = ase.io.read(f, index=":", format="extxyz")
    rewritten = ase.io.read(os.path.join(out, "nomad_rewritten.extxyz"), index=":", format="extxyz")
    assert len(original) == len(rewritten) == 2400
    worst = 0.0
    for a, b in zip(original, rewritten):
        assert a.get_chemical_symbols() == b.get_chemical_symbols()
        assert np.array_equal(a.cell[:], b.cell[:])
        worst = max(worst, np.abs(a.positions - b.positions).max())
        assert a.info == b.info, (a.info, b.info)
        assert list(b.pbc) == [True, True, True]
    print(f"NOMAD: ASE reads all {len(rewritten)} rewritten frames; cells and info identical, positions within {worst:.1e} Å")
    n = 0
    for name in sorted(os.listdir(os.path.join(out, "poscar"))):
        a = Poscar.from_file(os.path.join(DATA, "samples", "alignn_poscar", name), check_for_POTCAR=False).structure
        b = Poscar.from_file(os.path.join(out, "poscar", name), check_for_POTCAR=False).structure
        assert [s.specie for s in a] == [s.specie for s in b]
        assert np.array_equal(a.lattice.matrix, b.lattice.matrix)
        assert np.abs(a.frac_coords - b.frac_coords).max() < 1e-15
        n += 1
    print(f"POSCAR: pymatgen reads all {n} rewritten samples; lattices identical, coordinates within 1e-15")
