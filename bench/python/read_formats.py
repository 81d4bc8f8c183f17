"""Side-by-side reference for the POSCAR and extxyz readers (one thread).

Usage:
  /usr/bin/python3 bench/python/read_formats.py extxyz-ase data/nomad2018/train.extxyz.gz
  /usr/bin/python3 bench/python/read_formats.py extxyz-pymatgen data/nomad2018/train.extxyz.gz
  /usr/bin/python3 bench/python/read_formats.py poscar-pymatgen data/samples/alignn_poscar [repeats]
  /usr/bin/python3 bench/python/read_formats.py poscar-ase data/samples/alignn_poscar [repeats]
Prints one line: "<tool> <n> structures in <s> s CPU = <rate>/s". Rates are per CPU second of this process
(time.process_time), so that a busy shared machine does not distort them; ct's benchmark measures the same way. The extxyz timings include gzip decompression
(as ours do; the text is decompressed into memory first, since ASE seeks in the file); "extxyz-pymatgen" is ASE's reader followed by AseAtomsAdaptor, the usual way into pymatgen.
"""
import gzip
import io
import os
import sys
import time
import warnings

warnings.simplefilter("ignore")
import ase.io  # noqa: E402

mode, path = sys.argv[1], sys.argv[2]
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 20

if mode.startswith("extxyz"):
    start = time.process_time()
    # Decompress into memory first: ASE seeks back and forth in the file, which restarts gzip decompression.
    with gzip.open(path, "rt") as f:
        text = io.StringIO(f.read())
    frames = ase.io.read(text, index=":", format="extxyz")
    if mode == "extxyz-pymatgen":
        from pymatgen.io.ase import AseAtomsAdaptor
        frames = [AseAtomsAdaptor.get_structure(a) for a in frames]
    elapsed = time.process_time() - start
    tool = "ASE" if mode == "extxyz-ase" else "ASE+pymatgen"
    print(f"{tool} {len(frames)} structures in {elapsed:.3f} s CPU = {len(frames) / elapsed:.0f}/s")
else:
    files = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".vasp"))

    def text(f):
        with open(f) as h:
            return h.read()
    if mode == "poscar-pymatgen":
        from pymatgen.io.vasp import Poscar
        read = lambda t: Poscar.from_string(t).structure  # noqa: E731
        tool = "pymatgen"
    else:
        read = lambda t: ase.io.read(io.StringIO(t), format="vasp")  # noqa: E731
        tool = "ASE"
    for f in files:
        read(text(f))  # warm-up
    start = time.process_time()
    for _ in range(repeats):
        for f in files:
            read(text(f))  # each file opened and read, as ct does
    elapsed = time.process_time() - start
    n = repeats * len(files)
    print(f"{tool} {n} structures in {elapsed:.3f} s CPU = {n / elapsed:.0f}/s")
