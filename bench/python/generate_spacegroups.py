"""Writes data/spacegroups/spacegroups.txt.gz: the space-group settings and symbol look-ups CrystalTransformer's CIF
reader uses, derived from pymatgen 2022.11 (MIT licence): pymatgen/symmetry/symm_ops.json (752 settings with Hall and
Hermann-Mauguin symbols and their operations) and pymatgen/symmetry/symm_data.json (generators of the standard settings).

Lines (tab-separated):
  S id number hall hermann_mauguin universal_h_m ops      one setting; ops are ';'-separated "x,y,z" strings
  Q qid id ops   a setting's operations exactly as pymatgen's SpaceGroup gives them (its order, which decides the order
                 of symmetry-equivalent sites, and its translations, e.g. -1/3 where the table has +2/3)
  P key id [qid] pymatgen's CifParser result for an H-M symbol whose spaces and underscores are removed ("key"), with
                 the operations of Q line qid when pymatgen takes them from SpaceGroup
  N number id qid  pymatgen's SpaceGroup.from_int_number(number)
  H hall id      spglib's Hall symbol of each of its 530 settings (spglib, BSD-3-Clause)
  A key id       spglib's short, full and setting-qualified Hermann-Mauguin symbols ("P21/c", "P121/c1", "Fd-3m:2",
                 "R-3m:R"), spaces and underscores removed; consulted after pymatgen's own look-ups

Run with the Debian pymatgen: /usr/bin/python3 bench/python/generate_spacegroups.py
"""
import gzip
import os
import re
import warnings

import numpy as np
import spglib
from monty.serialization import loadfn

warnings.simplefilter("ignore")
import pymatgen  # noqa: E402
from pymatgen.core.operations import SymmOp  # noqa: E402
from pymatgen.symmetry.groups import SpaceGroup  # noqa: E402

sym_dir = os.path.join(pymatgen.__path__[0], "symmetry")
cod = loadfn(os.path.join(sym_dir, "symm_ops.json"))
symm_data = loadfn(os.path.join(sym_dir, "symm_data.json"))
encoding = symm_data["space_group_encoding"]


def canon(ops):
    """Order-independent identity of an operation set: rotation and translation mod 1 on a 1/48 grid."""
    keys = set()
    for op in ops:
        m = op.affine_matrix
        r = tuple(int(round(v)) for v in m[:3, :3].flatten())
        t = tuple(int(round((v % 1.0) * 48)) % 48 for v in m[:3, 3])
        keys.add(r + t)
    return frozenset(keys)


settings = []  # (number, hall, hm, universal, ops strings)
by_canon = {}
for d in cod:
    ops = [SymmOp.from_xyz_string(s) for s in d["symops"]]
    settings.append((d["number"], d["hall"].strip(), d["hermann_mauguin"].strip(), d["universal_h_m"].strip(), d["symops"]))
    by_canon.setdefault(canon(ops), len(settings) - 1)


def key_of(op):
    m = op.affine_matrix
    return tuple(int(round(v)) for v in m[:3, :3].flatten()) + tuple(int(round((v % 1.0) * 48)) % 48 for v in m[:3, 3])


ordered = {}  # ";"-joined pymatgen operations -> (qid, setting id)


def pymatgen_order(ops, sid):
    text = ";".join(op.as_xyz_string().replace(" ", "") for op in ops)
    if text not in ordered:
        ordered[text] = (len(ordered), sid)
    return str(ordered[text][0])


def setting_for(ops, number, name, hall=""):
    c = canon(ops)
    if c in by_canon:
        return by_canon[c]
    settings.append((number, hall, name, name, [op.as_xyz_string() for op in ops]))
    by_canon[c] = len(settings) - 1
    return by_canon[c]


sub_spgrp = lambda s: re.sub(r"[\s_]", "", s)  # noqa: E731  (pymatgen's own normalisation)
lookups = {}
# 1. pymatgen's space_groups dictionary (keys of the encoding table), resolved through SpaceGroup(...).
for key in encoding:
    norm = sub_spgrp(key)
    if norm in lookups:
        continue
    try:
        ops = list(SpaceGroup(key).symmetry_ops)
    except ValueError:
        continue
    sid = setting_for(ops, encoding[key]["int_number"], key)
    lookups[norm] = (sid, pymatgen_order(ops, sid))
# 2. Then the first COD entry whose Hermann-Mauguin symbol (spaces removed) matches.
for i, d in enumerate(cod):
    norm = re.sub(r"\s+", "", d["hermann_mauguin"])
    if norm not in lookups:
        lookups[norm] = (i, "")

numbers = {}
for n in range(1, 231):
    ops = list(SpaceGroup.from_int_number(n).symmetry_ops)
    sid = setting_for(ops, n, SpaceGroup.from_int_number(n).symbol)
    numbers[n] = (sid, pymatgen_order(ops, sid))

# spglib's 530 settings: Hall symbols and Hermann-Mauguin spellings (first setting wins for ambiguous short symbols).
halls, aliases = {}, {}
for hn in range(1, 531):
    t = spglib.get_spacegroup_type(hn)
    d = spglib.get_symmetry_from_database(hn)
    ops = [SymmOp.from_rotation_and_translation(r, tr) for r, tr in zip(d["rotations"], d["translations"])]
    sid = setting_for(ops, t["number"], t["international_full"], t["hall_symbol"])
    halls.setdefault(t["hall_symbol"].strip(), sid)
    names = [t["international_short"], t["international_full"], *t["international"].split(" = ")]
    # Monoclinic settings are usually written short: "P 1 21/n 1" -> "P 21/n", "P 1 1 21/b" -> "P 21/b".
    for name in list(names):
        tokens = name.split()
        if len(tokens) == 4 and [x == "1" for x in tokens[1:]].count(True) == 2:
            names.append(tokens[0] + " " + next(x for x in tokens[1:] if x != "1"))
    for name in names:
        key = sub_spgrp(name)
        aliases.setdefault(key, sid)
        if t["choice"]:
            aliases.setdefault(key + ":" + t["choice"], sid)

out = os.path.join(os.path.dirname(__file__), "..", "..", "data", "spacegroups", "spacegroups.txt.gz")
with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
    f.write(f"# Space-group settings derived from pymatgen 2022.11 (MIT): symmetry/symm_ops.json and symm_data.json.\n")
    f.write("# Generated by bench/python/generate_spacegroups.py; see data/spacegroups/README.md.\n")
    for i, (number, hall, hm, universal, ops) in enumerate(settings):
        f.write(f"S\t{i}\t{number}\t{hall}\t{hm}\t{universal}\t{';'.join(o.replace(' ', '') for o in ops)}\n")
    for text, (qid, sid) in ordered.items():
        f.write(f"Q\t{qid}\t{sid}\t{text}\n")
    for key, (i, perm) in lookups.items():
        f.write(f"P\t{key}\t{i}\t{perm}\n")
    for n, (i, perm) in numbers.items():
        f.write(f"N\t{n}\t{i}\t{perm}\n")
    for hall, i in halls.items():
        f.write(f"H\t{hall}\t{i}\n")
    for key, i in aliases.items():
        f.write(f"A\t{key}\t{i}\n")
print(len(settings), "settings,", len(lookups), "pymatgen look-ups,", len(halls), "Hall symbols,", len(aliases), "aliases ->", os.path.normpath(out))
