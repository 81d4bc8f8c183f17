"""Builds a corpus of real CIF files for bench/python/cif_corpus_compare.py from Debian packages (none is committed).

    /usr/bin/python3 bench/python/cif_corpus_build.py OUT_DIR

- avogadro/: the crystal library of libavogadro-data (COD entries and IZA zeolite frameworks, public domain);
- debian/:   CIFs shipped with cif2hkl, drawxtl, python3-pyobjcryst, python3-cctbx (test and example files);
- amcsd/:    the American Mineralogist Crystal Structure Database entries stored in python3-xraylarch's amscif_trim.db,
             written back in AMCSD's layout (labels without type symbols, operation list, occupancy and U_iso), as
             xraylarch itself does;
- written/:  1,200 of those structures written by pymatgen's CifWriter (P1, and symmetrized as the Materials Project
             serves them) and by ASE's CIF writer.
The packages are fetched with `apt-get download` and unpacked with `dpkg -x` into OUT_DIR/debs (nothing is installed).
"""
import glob
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import warnings
from base64 import b64decode

import numpy as np

PACKAGES = ["libavogadro-data", "cif2hkl", "drawxtl", "python3-pyobjcryst", "python3-cctbx", "python3-xraylarch"]


def unpack(out):
    debs = os.path.join(out, "debs")
    os.makedirs(debs, exist_ok=True)
    subprocess.run(["apt-get", "download", "-q", *PACKAGES], cwd=debs, check=True)
    root = os.path.join(debs, "x")
    for deb in glob.glob(os.path.join(debs, "*.deb")):
        subprocess.run(["dpkg", "-x", deb, root], check=True)
    return root


def copy_files(root, out):
    for sub in ("avogadro", "debian"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for path in glob.glob(os.path.join(root, "**", "*.cif"), recursive=True):
        folder = os.path.basename(os.path.dirname(path))
        sub = "avogadro" if "/avogadro2/crystals/" in path else "debian"
        shutil.copy(path, os.path.join(out, sub, f"{folder}__{os.path.basename(path)}"))


def amcsd(root, out):
    """AMCSD entries from xraylarch's database, in the layout of xraylarch's CifStructure.ciftext."""
    larch = glob.glob(os.path.join(root, "usr/lib/python3/dist-packages/larch/xrd"))[0]
    scale = None
    for line in open(os.path.join(larch, "amscifdb_utils.py")):
        if line.startswith("farray_scale"):
            scale = float(eval(line.split("=")[1]))  # noqa: S307 - a numeric constant of the packaged module

    def decode(d):
        if d in (0, "0", None):
            return None
        arr = np.frombuffer(b64decode(d), dtype=np.int32) / scale
        return ["?" if abs(a - 2) < 1e-5 else "." if abs(a - 3) < 1e-5 else f"{a:f}" for a in arr]

    def nonzero(t):
        return None if t is None or (len(t) == 1 and t[0] not in "?." and abs(float(t[0])) < 1e-5) else t

    os.makedirs(os.path.join(out, "amcsd"), exist_ok=True)
    db = sqlite3.connect(os.path.join(larch, "amscif_trim.db"))
    db.row_factory = sqlite3.Row
    groups = {r["id"]: r for r in db.execute("select * from spacegroups")}
    minerals = {r["id"]: r["name"] for r in db.execute("select * from minerals")}
    for r in db.execute("select * from cif order by id"):
        sites = json.loads(r["atoms_sites"]) if r["atoms_sites"] not in (None, "<missing>", "0") else None
        if not sites:
            continue
        g = groups[r["spacegroup_id"]]
        lines = ["data_global", f"_chemical_name_mineral '{minerals.get(r['mineral_id'], 'missing')}'",
                 f"_database_code_amcsd {r['id']:07d}", f"_chemical_formula_sum '{r['formula']}'"]
        lines += [f"_cell_length_{k} {r[k]}" for k in ("a", "b", "c")] + [f"_cell_angle_{k} {r[k]}" for k in ("alpha", "beta", "gamma")]
        lines += [f"_cell_volume {r['cell_volume']}", f"_symmetry_space_group_name_H-M '{g['hm_notation'].split('%var')[0]}'",
                  "loop_", "_space_group_symop_operation_xyz"] + [f"  '{op}'" for op in json.loads(g["symmetry_xyz"])]
        x, y, z = decode(r["atoms_x"]), decode(r["atoms_y"]), decode(r["atoms_z"])
        occ, u = nonzero(decode(r["atoms_occupancy"])), nonzero(decode(r["atoms_u_iso"]))
        lines += ["loop_", "_atom_site_label", "_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"]
        lines += (["_atom_site_occupancy"] if occ else []) + (["_atom_site_U_iso_or_equiv"] if u else [])
        for i, label in enumerate(sites):
            lines.append(f"{label}   {x[i]}  {y[i]}  {z[i]}" + (f"  {occ[i]}" if occ else "") + (f"  {u[i]}" if u else ""))
        with open(os.path.join(out, "amcsd", f"amcsd_{r['id']:05d}.cif"), "w") as f:
            f.write("\n".join(lines) + "\n\n")


def written(out, count=1200):
    """The same structures as pymatgen and ASE write them."""
    warnings.simplefilter("ignore")
    import ase.io
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.cif import CifWriter

    os.makedirs(os.path.join(out, "written"), exist_ok=True)
    paths = sorted(glob.glob(os.path.join(out, "amcsd", "*.cif")))
    random.Random(7).shuffle(paths)
    n = 0
    for path in paths:
        if n == count:
            break
        name = os.path.basename(path)[:-4]
        try:
            s = Structure.from_file(path)
        except Exception:  # noqa: BLE001 - files pymatgen cannot read are simply not rewritten
            continue
        if len(s) > 120:
            continue
        target = os.path.join(out, "written", name)
        try:
            if not s.is_ordered:
                CifWriter(s).write_file(f"{target}_pmg_p1_disordered.cif")
            elif n % 3 == 0:
                CifWriter(s, symprec=0.1).write_file(f"{target}_pmg_symmetrized.cif")
            elif n % 3 == 1:
                ase.io.write(f"{target}_ase.cif", AseAtomsAdaptor.get_atoms(s), format="cif")
            else:
                CifWriter(s).write_file(f"{target}_pmg_p1.cif")
        except Exception:  # noqa: BLE001 - spglib finds no symmetry for a few structures; they are skipped
            continue
        n += 1


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    root = unpack(out)
    copy_files(root, out)
    amcsd(root, out)
    written(out)
    for sub in ("avogadro", "debian", "amcsd", "written"):
        print(sub, len(glob.glob(os.path.join(out, sub, "*.cif"))))


if __name__ == "__main__":
    main()
