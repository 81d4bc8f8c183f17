#!/usr/bin/env python3
"""Lowest MAE any composition-only model can reach on perov5 heat_ref.

Polymorphs share a composition, so a model that reads compositions (the MP ct-UAE front-end, used for whole-encoder
transfer) gives them one prediction. For a set of crystals, the median label of each composition minimises the summed
absolute error of a composition-only predictor, so that oracle's MAE over the whole data set (its labels included) is a
lower bound no such model can beat there. Standard library only.

usage: python3 bench/python/composition_floor.py [data/perov5/perov5.csv.gz]
"""
import collections
import csv
import gzip
import re
import statistics
import sys
from functools import reduce
from math import gcd


def composition(cif):
    formula = re.search(r"_chemical_formula_sum\s+'([^']+)'", cif).group(1)
    counts = collections.Counter()
    for token in formula.split():
        element, count = re.match(r"([A-Za-z]+)([\d.]+)", token).groups()
        counts[element] += int(float(count))
    divisor = reduce(gcd, counts.values())
    return tuple(sorted((e, c // divisor) for e, c in counts.items()))


def main(path):
    csv.field_size_limit(1 << 30)
    rows = list(csv.DictReader(gzip.open(path, "rt")))
    by_composition = collections.defaultdict(list)
    for r in rows:
        r["composition"], r["y"] = composition(r["cif"]), float(r["heat_ref"])
        by_composition[r["composition"]].append(r["y"])
    shared = [v for v in by_composition.values() if len(v) > 1]
    print(f"{len(rows)} crystals, {len(by_composition)} compositions; {len(shared)} compositions hold "
          f"{sum(map(len, shared))} crystals (polymorphs)")
    spread = statistics.mean(abs(y - statistics.median(v)) for v in shared for y in v)
    print(f"within those compositions: mean |heat_ref - median of its composition| = {spread:.4f} eV")
    # The test split is a random part of the data, so this bound holds for the expected test MAE as well.
    print(f"lower bound of a composition-only MAE over all {len(rows)} crystals: {oracle_mae(rows):.4f} eV")
    test = [r for r in rows if r["split"] == "test"]
    # A model that fits its training data predicts a seen composition by its training labels: on test crystals whose
    # polymorph was in training, its error is the polymorphs' difference.
    seen = collections.defaultdict(list)
    for r in rows:
        if r["split"] in ("train", "val"):
            seen[r["composition"]].append(r["y"])
    shared_test = [r for r in test if r["composition"] in seen]
    error = statistics.mean(abs(r["y"] - statistics.mean(seen[r["composition"]])) for r in shared_test)
    print(f"{len(shared_test)} of {len(test)} test crystals ({len(shared_test) / len(test):.0%}) have a polymorph in "
          f"train+validation; predicting them by its label errs by {error:.4f} eV on average "
          f"({error * len(shared_test) / len(test):.4f} eV of test MAE)")


def oracle_mae(crystals):
    """MAE of predicting each crystal by the median label of the crystals of its composition within the same set."""
    groups = collections.defaultdict(list)
    for r in crystals:
        groups[r["composition"]].append(r["y"])
    median = {c: statistics.median(v) for c, v in groups.items()}
    return sum(abs(r["y"] - median[r["composition"]]) for r in crystals) / len(crystals)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/perov5/perov5.csv.gz")
