"""Reference neighbour lists and CGCNN graphs from pymatgen for the perov5 and NOMAD sets.

Documentation of how neighbors_reference.tsv.gz and neighbors_sample.tsv.gz were made (the tests never run Python).
Run from the repository root with Debian's python3-pymatgen (2022.11):

    /usr/bin/python3 tests/CrystalTransformer.Tests/Fixtures/Graphs/generate.py

neighbors_reference.tsv.gz, one line per structure (tab-separated):
    set, id, n, kind (F = fractional, X = Cartesian coordinates), lattice (9 numbers, rows a b c, comma-separated),
    atomic numbers (comma-separated), coordinates (3n numbers, comma-separated, exactly as used here),
    then for each cutoff in CUTOFFS: count, hash1, hash2 and weighted distance sum of the pairs with d < r - 1e-6,
    and the pairs within 1e-6 Å of the cutoff listed as i:j:na:nb:nc:d separated by ';' ('-' when none)
    then CGCNN (radius 8, 12 neighbours): number of sites with fewer than 12 neighbours, weighted distance sum.
The coordinates are the source files' own numbers (perov5: the CIF's fractions with pymatgen's lattice matrix;
NOMAD: the extxyz Cartesian positions and lattice), so a reader is not needed to rebuild the structures.

Pair set hashes are order-free: for each pair (i, j, image n) of get_neighbor_list, key = i | j<<16 | (na+128)<<32 |
(nb+128)<<40 | (nc+128)<<48; hash1 = sum splitmix64(key), hash2 = sum splitmix64(key * 0x9E3779B97F4A7C15 + 1), both
mod 2^64; weighted sum = sum d * u(key) with u(key) = (splitmix64(key) >> 11) * 2^-53. Pairs within 1e-6 Å of the cutoff
(cubic cells with a = 4 Å have pairs at exactly 8 Å) are listed explicitly instead; no pair lies within 1e-9 Å of the
band's edges (asserted), so the split is unambiguous.

CGCNN weighted sum: the official recipe (get_all_neighbors(8), stable sort by distance, first 12) gives for site i the
distances d_i0 <= d_i1 <= ...; sum over i, k of d_ik * u(i<<8 | k). Ties do not change the distances.

neighbors_sample.tsv.gz: full lists for a few structures:
    P set id i j na nb nc d        every pair closer than 8 Å - 1e-6
    C set id i rank j d            CGCNN sorted neighbours of site i: the first 12 plus every neighbour tied (1e-6 Å)
                                   with the 12th, in pymatgen's order
"""
import csv
import gzip
import io
import os
import sys

import numpy as np
from pymatgen.core import Lattice, Structure

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT = os.path.dirname(os.path.abspath(__file__))
CUTOFFS = [4.0, 8.0]
CGCNN_RADIUS, CGCNN_M = 8.0, 12
BOUNDARY = 1e-6
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix(x):
    x = x.astype(np.uint64)
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return x


def unit(h):
    return (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def pair_keys(c, p, img):
    img = np.rint(img).astype(np.int64)
    assert c.max(initial=0) < 65536 and p.max(initial=0) < 65536 and np.abs(img).max(initial=0) < 128
    return (c.astype(np.uint64) | (p.astype(np.uint64) << np.uint64(16))
            | ((img[:, 0] + 128).astype(np.uint64) << np.uint64(32))
            | ((img[:, 1] + 128).astype(np.uint64) << np.uint64(40))
            | ((img[:, 2] + 128).astype(np.uint64) << np.uint64(48)))


def hashes(keys, d):
    with np.errstate(over="ignore"):
        h1 = int(splitmix(keys).sum(dtype=np.uint64))
        h2 = int(splitmix(keys * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)).sum(dtype=np.uint64))
    w = float(np.sum(d * unit(splitmix(keys))))
    return h1, h2, w


def read_perov5():
    csv.field_size_limit(1 << 30)
    with gzip.open(os.path.join(ROOT, "data/perov5/perov5.csv.gz"), "rt") as f:
        for row in csv.DictReader(f):
            s = Structure.from_str(row["cif"], fmt="cif")
            lattice = [repr(float(x)) for x in s.lattice.matrix.flatten()]
            coords = [repr(float(x)) for x in s.frac_coords.flatten()]
            # rebuild from the written numbers so the reference uses exactly what the test will use
            s2 = Structure(Lattice(np.array([float(x) for x in lattice]).reshape(3, 3)), s.species,
                           np.array([float(x) for x in coords]).reshape(-1, 3))
            yield "perov5", row["id"], "F", lattice, [sp.Z for sp in s.species], coords, s2


def read_nomad():
    with gzip.open(os.path.join(ROOT, "data/nomad2018/train.extxyz.gz"), "rt") as f:
        lines = f.read().splitlines()
    k = 0
    while k < len(lines):
        n = int(lines[k])
        header = lines[k + 1]
        lat = header.split('Lattice="')[1].split('"')[0].split()
        ident = header.split(" id=")[1].split()[0]
        species, coords = [], []
        for line in lines[k + 2:k + 2 + n]:
            parts = line.split()
            species.append(parts[0])
            coords.extend(parts[1:4])
        s = Structure(Lattice(np.array([float(x) for x in lat]).reshape(3, 3)), species,
                      np.array([float(x) for x in coords]).reshape(-1, 3), coords_are_cartesian=True)
        yield "nomad", ident, "X", lat, [sp.Z for sp in s.species], coords, s
        k += 2 + n


def main():
    ref_lines, sample_lines = [], []
    count = 0
    for source in (read_perov5(), read_nomad()):
        for index, (name, ident, kind, lattice, z, coords, s) in enumerate(source):
            fields = [name, ident, str(len(z)), kind, ",".join(lattice), ",".join(map(str, z)), ",".join(coords)]
            sample = (name == "perov5" and index % 200 == 0) or (name == "nomad" and index % 600 == 0)
            for r in CUTOFFS:
                # Search a little past the cutoff: pairs within BOUNDARY of it are listed one by one (whether they
                # count at exactly r is a matter of rounding), the rest are hashed.
                c, p, img, d = s.get_neighbor_list(r + BOUNDARY)
                assert not np.any(d <= 1e-8), f"{name} {ident}: overlapping atoms"
                assert not np.any(np.abs(np.abs(d - r) - BOUNDARY) < 1e-9), f"{name} {ident}: pair at the band edge"
                inside = d <= r + BOUNDARY
                c, p, img, d = c[inside], p[inside], img[inside], d[inside]
                core = d < r - BOUNDARY
                keys = pair_keys(c[core], p[core], img[core])
                h1, h2, w = hashes(keys, d[core])
                band = [f"{a}:{b}:{im[0]}:{im[1]}:{im[2]}:{dd!r}" for a, b, im, dd in
                        zip(c[~core], p[~core], np.rint(img[~core]).astype(int), d[~core])]
                fields += [str(int(core.sum())), str(h1), str(h2), repr(w), ";".join(band) or "-"]
                if sample and r == 8.0:
                    for a, b, im, dd in zip(c[core], p[core], np.rint(img[core]).astype(int), d[core]):
                        sample_lines.append(f"P\t{name}\t{ident}\t{a}\t{b}\t{im[0]}\t{im[1]}\t{im[2]}\t{dd!r}")
            # CGCNN: get_all_neighbors equals get_neighbor_list here (no coincident sites), in the same order.
            nbrs = s.get_all_neighbors(CGCNN_RADIUS, include_index=True)
            short, csum = 0, 0.0
            for i, nbr in enumerate(nbrs):
                nbr = sorted(nbr, key=lambda x: x[1])
                if len(nbr) < CGCNN_M:
                    short += 1
                kept = [x[1] for x in nbr[:CGCNN_M]]
                ks = np.array([(i << 8) | k for k in range(len(kept))], dtype=np.uint64)
                csum += float(np.sum(np.array(kept) * unit(splitmix(ks))))
                if sample:
                    last = kept[-1] if kept else 0.0
                    for rank, x in enumerate(nbr):
                        if rank >= CGCNN_M and x[1] > last + BOUNDARY:
                            break
                        sample_lines.append(f"C\t{name}\t{ident}\t{i}\t{rank}\t{x[2]}\t{x[1]!r}")
            fields += [str(short), repr(csum)]
            ref_lines.append("\t".join(fields))
            count += 1
            if count % 1000 == 0:
                print(count, file=sys.stderr)
    header = "# set\tid\tn\tkind\tlattice\tz\tcoords\t" + "\t".join(
        f"count{r:g}\thash1_{r:g}\thash2_{r:g}\twsum{r:g}\tband{r:g}" for r in CUTOFFS) + "\tcgcnn_short\tcgcnn_wsum"
    with gzip.GzipFile(os.path.join(OUT, "neighbors_reference.tsv.gz"), "wb", mtime=0) as f:
        f.write(("\n".join([header] + ref_lines) + "\n").encode())
    with gzip.GzipFile(os.path.join(OUT, "neighbors_sample.tsv.gz"), "wb", mtime=0) as f:
        f.write(("\n".join(sample_lines) + "\n").encode())
    print(f"{count} structures, {len(sample_lines)} sample lines", file=sys.stderr)


if __name__ == "__main__":
    main()
