using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>
/// The asymmetric unit of a CIF expanded into the sites of the cell as pymatgen's CifParser does: rows that share a
/// position form one (disordered) site, occupancies are checked, symmetry images are generated and de-duplicated.
/// </summary>
internal static class CifSiteExpansion
{
    /// <summary>Species and amounts at one position, in order of first appearance (pymatgen's Composition).</summary>
    private sealed class SiteSpecies
    {
        public readonly List<(Element Element, double? Oxidation, double Amount)> Items = new();
        public string Label = "";
        public int Line;

        public void Add(Element e, double? ox, double amount)
        {
            for (int i = 0; i < Items.Count; i++)
                if (Items[i].Element == e && Items[i].Oxidation == ox) { Items[i] = (e, ox, Items[i].Amount + amount); return; }
            Items.Add((e, ox, amount));
        }

        /// <summary>pymatgen's Composition.__ge__: the first species (in species order) whose amounts differ decides.</summary>
        public bool GreaterOrEqual(SiteSpecies other)
        {
            if (Items.Count == 1 && other.Items.Count == 1)
            {
                var (a, b) = (Items[0], other.Items[0]);
                if (a.Element == b.Element && a.Oxidation == b.Oxidation) return !(b.Amount - a.Amount >= 1e-8);
                bool mineFirst = PymatgenConventions.CompareSpecies(a.Element, a.Oxidation, b.Element, b.Oxidation) < 0;
                return mineFirst ? a.Amount >= 1e-8 || !(b.Amount >= 1e-8) : !(b.Amount >= 1e-8);
            }
            var keys = Items.Select(t => (t.Element, t.Oxidation)).Union(other.Items.Select(t => (t.Element, t.Oxidation))).ToList();
            keys.Sort((x, y) => PymatgenConventions.CompareSpecies(x.Element, x.Oxidation, y.Element, y.Oxidation));
            foreach (var (e, ox) in keys)
            {
                double mine = Amount(e, ox), theirs = other.Amount(e, ox);
                if (theirs - mine >= 1e-8) return false;
                if (mine - theirs >= 1e-8) return true;
            }
            return true;
        }

        /// <summary>pymatgen's Composition.__eq__: the same species with amounts within 1e-8.</summary>
        public bool Equal(SiteSpecies other) =>
            Items.Count == other.Items.Count && Items.All(t => Math.Abs(t.Amount - other.Amount(t.Element, t.Oxidation)) <= 1e-8
                                                            && other.Items.Any(u => u.Element == t.Element && u.Oxidation == t.Oxidation));

        private double Amount(Element e, double? ox)
        {
            foreach (var t in Items) if (t.Element == e && t.Oxidation == ox) return t.Amount;
            return 0;
        }
    }

    /// <summary>
    /// pymatgen's expansion: each asymmetric-unit row joins an earlier position that one of its images matches
    /// (making a disordered site) or starts a new one; positions with equal species are expanded together, dropping
    /// images that coincide (site tolerance, periodic); finally sites are sorted by electronegativity.
    /// </summary>
    public static Site[] Expand(IReadOnlyList<CifAtomRow> rows, IReadOnlyList<SymmetryOperation> ops, ReadOptions options, string source)
    {
        double tolerance = options.SiteTolerance;
        var keys = new CoordinateSet(tolerance);
        var species = new List<SiteSpecies>();
        foreach (var row in rows)
        {
            int match = -1;
            if (keys.Count > 0)
                foreach (var op in ops)
                {
                    match = keys.IndexOf(op.Apply(row.Frac));
                    if (match >= 0) break;
                }
            if (match < 0)
            {
                keys.Add(row.Frac);
                var s = new SiteSpecies { Label = row.Label, Line = row.Line };
                s.Add(row.Element, row.Oxidation, row.Occupancy);
                if (row.ImplicitHydrogens > 0) s.Add(Hydrogen, null, row.ImplicitHydrogens);
                species.Add(s);
            }
            else
            {
                species[match].Add(row.Element, row.Oxidation, row.Occupancy);
                if (row.ImplicitHydrogens > 0) species[match].Add(Hydrogen, null, row.ImplicitHydrogens);
            }
        }

        for (int i = 0; i < species.Count; i++) CheckOccupancy(species[i], keys[i], options.OccupancyTolerance, source);

        // pymatgen sorts the positions by composition (a stable sort) and groups equal neighbours; the order of the
        // groups matters for the final electronegativity sort when some keys are NaN (noble gases).
        var order = PymatgenConventions.StableSort(Enumerable.Range(0, species.Count).ToArray(), (a, b) => !species[a].GreaterOrEqual(species[b]));
        var groups = new List<List<int>>();
        foreach (int i in order)
        {
            if (groups.Count > 0 && species[groups[^1][0]].Equal(species[i])) groups[^1].Add(i);
            else groups.Add([i]);
        }

        var sites = new List<Site>();
        foreach (var group in groups)
        {
            var sp = species[group[0]];
            var occupants = sp.Items.Select(t => new Occupant(t.Element, t.Amount, t.Oxidation)).ToArray();
            var unique = new CoordinateSet(tolerance);
            foreach (int k in group)
            foreach (var op in ops)
            {
                var p = op.Apply(keys[k]);
                p = new Vec3(p.X - Math.Floor(p.X), p.Y - Math.Floor(p.Y), p.Z - Math.Floor(p.Z));
                if (unique.Contains(p)) continue;
                unique.Add(p);
                sites.Add(new Site(occupants, p, species[k].Label));
            }
        }
        return PymatgenSiteOrder.Sort(sites);
    }

    private static readonly Element Hydrogen = PeriodicTable.Get(1);

    /// <summary>
    /// pymatgen's occupancy rules for one position: a position holding only O and H is water or hydroxide (a "Wat"
    /// oxygen with its implied hydrogens, or O and H rows at one point), kept as its oxygen (hydrogen positions are not known);
    /// implied hydrogens at a position shared with another element count as full atoms, and overfill it; a total occupancy above the
    /// tolerance (1 by default) makes the file unreadable; one above 1 but within the tolerance is scaled down to 1.
    /// </summary>
    private static void CheckOccupancy(SiteSpecies sp, Vec3 position, double occupancyTolerance, string source)
    {
        // (pymatgen compares elements, so species with oxidation states never match this rule)
        if (sp.Items.Count > 1 && sp.Items.All(t => t.Element.Z is 1 or 8 && t.Oxidation is null)
            && sp.Items.Any(t => t.Element.Z == 1) && sp.Items.Any(t => t.Element.Z == 8))
            sp.Items.RemoveAll(t => t.Element.Z == 1);
        double total = 0;
        foreach (var t in sp.Items) total += t.Amount; // in species order, as Python's sum() adds them
        if (total > occupancyTolerance)
        {
            string who = string.Join(" + ", sp.Items.Select(t => $"{t.Element.Symbol} {t.Amount.ToString("0.####", CultureInfo.InvariantCulture)}"));
            string at = $"({position.X.ToString("0.####", CultureInfo.InvariantCulture)}, {position.Y.ToString("0.####", CultureInfo.InvariantCulture)}, {position.Z.ToString("0.####", CultureInfo.InvariantCulture)})";
            throw new InputError($"site {sp.Label} at {at} has total occupancy {total.ToString("0.#####", CultureInfo.InvariantCulture)} ({who}), more than 1" +
                (occupancyTolerance > 1 ? $" and the occupancy tolerance {occupancyTolerance.ToString(CultureInfo.InvariantCulture)}" : "") +
                "; allow rescaling with a larger occupancy tolerance (ct inspect --occupancy-tolerance)", source, sp.Line);
        }
        if (total > 1)
            for (int i = 0; i < sp.Items.Count; i++) sp.Items[i] = sp.Items[i] with { Amount = sp.Items[i].Amount / total };
    }
}
