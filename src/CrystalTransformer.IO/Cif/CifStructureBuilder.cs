using System.Globalization;
using System.Text.RegularExpressions;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>One row of the atom-site loop after element and occupancy parsing.</summary>
internal sealed record CifAtomRow(string Label, Element Element, double? Oxidation, double Occupancy, Vec3 Frac, int Line)
{
    /// <summary>Hydrogens the name implies but the file does not place ("Wat": 2, "O-H": 1), as pymatgen counts them.</summary>
    public int ImplicitHydrogens { get; init; }
}

/// <summary>
/// Turns a CIF data block into a <see cref="Structure"/> the way pymatgen's CifParser does (the reference for
/// correctness): cell from the six parameters, symmetry operations, asymmetric unit expanded and wrapped into [0, 1),
/// coincident sites merged (disordered sites when the species differ), sites ordered as pymatgen's
/// get_sorted_structure. Deviations where pymatgen fails or is clearly wrong are noted where they happen.
/// </summary>
internal static partial class CifStructureBuilder
{
    /// <summary>True when the block has an atom-site loop (a structure to read).</summary>
    public static bool HasAtoms(CifBlock block) =>
        block.Contains("_atom_site_fract_x") || block.Contains("_atom_site_Cartn_x");

    public static Structure Build(CifBlock block, string source, ReadOptions options, string id)
    {
        var warn = options.Warning;
        if (!(options.SiteTolerance >= 0 && options.SiteTolerance < 0.5))
            throw new InputError($"site tolerance must be between 0 and 0.5 (fractional), got {options.SiteTolerance}", source);
        if (!(options.OccupancyTolerance >= 1 && double.IsFinite(options.OccupancyTolerance)))
            throw new InputError($"occupancy tolerance must be 1 or more, got {options.OccupancyTolerance}", source);
        if (block.TryGet("_cell_modulation_dimension", out var modulation) && CifNumber.TryParse(modulation, out double dims) && dims > 0)
            throw new InputError($"incommensurately modulated structure (_cell_modulation_dimension {modulation.Text}): superspace symmetry is not supported", source, modulation.Line);
        var lattice = CifLattice.Read(block, source, warn);
        var symmetry = CifSymmetry.Read(block, source, warn, lattice.Lattice);
        var atoms = ReadAtoms(block, source, lattice, warn);
        if (atoms.Count == 0)
            throw new InputError("no atom site with positive occupancy", source, block.Line);
        // Atoms × operations bounds the sites before any is generated, so a huge or malicious file fails at once.
        if ((long)atoms.Count * symmetry.Operations.Count > options.MaxSites)
            throw new InputError($"{atoms.Count:N0} atom sites × {symmetry.Operations.Count} symmetry operations could generate more than the limit of {options.MaxSites:N0} sites (ReadOptions.MaxSites)", source, block.Line);
        var sites = CifSiteExpansion.Expand(atoms, symmetry.Operations, options, source);
        sites = TryAlternativeSettings(sites, atoms, symmetry, lattice.Lattice, options, source, block);
        WarnOverlaps(sites, lattice.Lattice, source, block, warn);
        var structure = new Structure(lattice.Lattice, sites, id, info: Info(block, symmetry));
        return structure;
    }

    private static Dictionary<string, string> Info(CifBlock block, CifSymmetry symmetry)
    {
        var info = new Dictionary<string, string> { ["block"] = block.Name };
        if (symmetry.Symbol is { Length: > 0 } sg) info["spacegroup"] = sg;
        if (symmetry.Number is int n) info["spacegroup_number"] = n.ToString(CultureInfo.InvariantCulture);
        return info;
    }

    /// <summary>pymatgen's get_num_implicit_hydrogens: by the first three characters of the type symbol, else of the label.</summary>
    private static int ImplicitHydrogens(string name) =>
        name.StartsWith("Wat", StringComparison.Ordinal) || name.StartsWith("wat", StringComparison.Ordinal) ? 2
        : name.StartsWith("O-H", StringComparison.Ordinal) ? 1 : 0;

    private static List<CifAtomRow> ReadAtoms(CifBlock block, string source, CifLattice lattice, Action<string>? warn)
    {
        bool cartesian = !block.Contains("_atom_site_fract_x");
        string[] coordTags = cartesian
            ? ["_atom_site_Cartn_x", "_atom_site_Cartn_y", "_atom_site_Cartn_z"]
            : ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"];
        var xs = block.Column(coordTags[0])!;
        bool looped = block.TryGetLoop(coordTags[0], out var atomLoop, out _);
        int atomLine = looped ? atomLoop.Line : xs.Count > 0 ? xs[0].Line : block.Line;
        if (looped && !atomLoop.IsComplete)
            throw new InputError($"atom site loop has {atomLoop.Values.Count} values, not a multiple of its {atomLoop.Tags.Count} tags (truncated or misaligned)", source, atomLoop.Line);
        if (xs.Count == 0) throw new InputError("atom site loop has no rows", source, atomLine);
        var ys = block.Column(coordTags[1]) ?? throw new InputError($"{coordTags[1]} is missing", source, atomLine);
        var zs = block.Column(coordTags[2]) ?? throw new InputError($"{coordTags[2]} is missing", source, atomLine);
        int n = xs.Count;
        var labels = SameLength(block.Column("_atom_site_label"), n);
        var types = SameLength(block.Column("_atom_site_type_symbol"), n);
        var occupancies = SameLength(block.Column("_atom_site_occupancy"), n);
        if (ys.Count != n || zs.Count != n)
            throw new InputError("atom site coordinates have different lengths", source, atomLine);
        if (labels is null && types is null)
            throw new InputError("atom sites have neither _atom_site_type_symbol nor _atom_site_label", source, atomLine);

        var oxidationTable = OxidationTable(block);
        Func<Vec3, Vec3>? cartToFrac = cartesian ? CifLattice.CartesianToFractional(block, lattice, source) : null;

        var rows = new List<CifAtomRow>(n);
        var extra = new List<CifAtomRow>();
        for (int i = 0; i < n; i++)
        {
            int line = xs[i].Line;
            string label = labels?[i].Text ?? types![i].Text;
            var typeValue = types?[i];
            bool typeUsable = typeValue is { IsMissing: false } tv && tv.Text.Length > 0;
            string symbolText = typeUsable ? typeValue!.Value.Text : label;

            double occupancy = 1;
            if (occupancies is not null && !occupancies[i].IsMissing)
            {
                // pymatgen falls back to 1 when the occupancy is not a number, and drops sites whose occupancy is negative;
                // both change the composition without a word, so such a site is refused here.
                var o = occupancies[i];
                if (!CifNumber.TryParse(o, out occupancy) || !double.IsFinite(occupancy))
                    throw new InputError($"atom site {label}: occupancy '{Shorten(o.Text)}' is not a number", source, o.Line);
                if (occupancy < 0)
                    throw new InputError($"atom site {label}: occupancy {Shorten(o.Text)} is negative", source, o.Line);
            }

            var frac = ReadPoint(xs[i], ys[i], zs[i], coordTags, source, cartesian);
            if (cartToFrac is not null) frac = cartToFrac(frac);

            // Pauling File/Springer exports put "0.8Nb + 0.2Zr" in the type symbol: one row per element (as pymatgen).
            if (typeUsable && labels is not null && PaulingMixture(symbolText, label) is { } mixture)
            {
                foreach (var (el, occ) in mixture)
                    extra.Add(new CifAtomRow($"{el.Symbol}_fix{extra.Count}", el, null, occ, frac, line));
                continue;
            }

            var element = CifSpecies.ParseElement(symbolText)
                ?? throw new InputError($"unknown element '{symbolText}' in atom site {label}", source, typeValue?.Line ?? line);
            double? oxidation = Oxidation(oxidationTable, symbolText, element);
            if (occupancy > 0)
                rows.Add(new CifAtomRow(label, element, oxidation, occupancy, frac, line)
                {
                    ImplicitHydrogens = ImplicitHydrogens(types is not null ? types[i].Text : label),
                });
        }
        foreach (var row in extra) if (row.Occupancy > 0) rows.Add(row);
        return rows;
    }

    private static IReadOnlyList<CifValue>? SameLength(IReadOnlyList<CifValue>? column, int n) =>
        column is not null && column.Count == n ? column : null;

    private static Vec3 ReadPoint(CifValue x, CifValue y, CifValue z, string[] tags, string source, bool cartesian)
    {
        double Coordinate(CifValue v, string tag)
        {
            if (!CifNumber.TryParse(v, out double d, dotIsZero: true, allowFraction: true))
                throw new InputError(v.IsUnknown ? $"{tag} is unknown ('?')" : $"{tag} is not a number ('{Shorten(v.Text)}')", source, v.Line);
            return d;
        }
        var p = new Vec3(Coordinate(x, tags[0]), Coordinate(y, tags[1]), Coordinate(z, tags[2]));
        return cartesian ? p : new Vec3(Ideal(p.X), Ideal(p.Y), Ideal(p.Z));
    }

    /// <summary>pymatgen rounds 0.3333 and 0.6667 to exact thirds (relative 1e-4) so symmetry images coincide.</summary>
    private static double Ideal(double v)
    {
        if (Math.Abs(1 - v / (1.0 / 3.0)) < 1e-4) return 1.0 / 3.0;
        if (Math.Abs(1 - v / (2.0 / 3.0)) < 1e-4) return 2.0 / 3.0;
        return v;
    }

    [GeneratedRegex(@"^\s*(?<occ>[0-9]*\.?[0-9]+)(?:\([0-9]*\)?)?\s*(?<el>[A-Z][a-z]?)", RegexOptions.CultureInvariant)]
    private static partial Regex MixturePart();

    private static List<(Element, double)>? PaulingMixture(string typeSymbol, string label)
    {
        if (!typeSymbol.Contains(" + ")) return null;
        var parts = typeSymbol.Split(" + ");
        if (parts.Length <= label.Split(" + ").Length) return null;
        var list = new List<(Element, double)>();
        foreach (var part in parts)
        {
            var m = MixturePart().Match(part.Replace("<sup>", "").Replace("</sup>", ""));
            if (!m.Success || !PeriodicTable.TryGet(m.Groups["el"].Value, out var el)) return null;
            list.Add((el, double.Parse(m.Groups["occ"].Value, CultureInfo.InvariantCulture)));
        }
        return list;
    }

    /// <summary>_atom_type_symbol → _atom_type_oxidation_number, keyed both by the symbol and by it without its charge.</summary>
    private static Dictionary<string, double>? OxidationTable(CifBlock block)
    {
        var symbols = block.Column("_atom_type_symbol");
        var numbers = block.Column("_atom_type_oxidation_number");
        if (symbols is null || numbers is null || symbols.Count != numbers.Count) return null;
        var table = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < symbols.Count; i++)
        {
            if (!CifNumber.TryParse(numbers[i], out double ox)) continue;
            table[symbols[i].Text] = ox;
            table[ChargeSuffix().Replace(symbols[i].Text, "")] = ox;
        }
        return table;
    }

    [GeneratedRegex(@"[0-9]?[\+,\-]?$", RegexOptions.CultureInvariant)]
    private static partial Regex ChargeSuffix();

    /// <summary>
    /// Oxidation states as pymatgen assigns them: only from the _atom_type table, by type symbol then element, 0 for
    /// species the table does not list; none at all without a table ("Fe3+" alone names the element).
    /// </summary>
    private static double? Oxidation(Dictionary<string, double>? table, string symbolText, Element element)
    {
        if (table is null) return null;
        if (table.TryGetValue(symbolText, out double ox)) return ox;
        return table.TryGetValue(element.Symbol, out ox) ? ox : 0;
    }

    /// <summary>Atoms closer than this (Å) are physically impossible: a wrong setting or a broken file.</summary>
    private const double OverlapDistance = 0.5;

    /// <summary>
    /// When the space group was named without its setting (origin choice 1 or 2), pymatgen's choice is kept unless
    /// another setting is clearly what the file means: it puts no more atoms in the cell (atoms on special positions
    /// coincide only in the right setting) and keeps them clearly further apart (hydrogen aside).
    /// </summary>
    private static Site[] TryAlternativeSettings(Site[] sites, List<CifAtomRow> atoms, CifSymmetry symmetry, Lattice lattice,
        ReadOptions options, string source, CifBlock block)
    {
        if (symmetry.Alternatives.Count == 0) return sites;
        double closest = ClosestHeavyAtoms(sites, lattice);
        Site[]? best = null;
        SpaceGroupSetting? bestSetting = null;
        double bestClosest = closest;
        foreach (var alt in symmetry.Alternatives)
        {
            Site[] trial;
            try { trial = CifSiteExpansion.Expand(atoms, alt.Operations, options, source); }
            catch (InputError) { continue; } // overfilled sites: atoms coincide in this setting, so it is not the one

            if (trial.Length > sites.Length) continue;
            double d = ClosestHeavyAtoms(trial, lattice);
            bool clearlyBetter = d > Math.Max(closest * 1.15, closest + 0.1) || (closest < OverlapDistance && d >= OverlapDistance);
            if (clearlyBetter && d > bestClosest) { best = trial; bestSetting = alt; bestClosest = d; }
        }
        if (best is null) return sites;
        options.Warning?.Invoke(InputError.Format(
            $"space group '{symmetry.Symbol ?? symmetry.Setting?.HermannMauguin}' read in setting {bestSetting!.UniversalSymbol}: " +
            $"{symmetry.Setting?.UniversalSymbol} gives {sites.Length} sites with atoms {closest:0.###} Å apart, " +
            $"{bestSetting.UniversalSymbol} {best.Length} sites at least {bestClosest:0.###} Å apart", source, block.Line));
        return best;
    }

    /// <summary>Shortest distance between sites that are not hydrogen (capped at 3 Å).</summary>
    private static double ClosestHeavyAtoms(Site[] sites, Lattice lattice)
    {
        var heavy = sites.Where(s => s.MajorityElement.Z > 1).Select(s => s.Frac).ToArray();
        return ClosePairs.Closest(lattice, heavy, 3.0)?.Distance ?? 3.0;
    }

    private static void WarnOverlaps(Site[] sites, Lattice lattice, string source, CifBlock block, Action<string>? warn)
    {
        if (warn is null) return;
        var ordered = sites.Where(s => s.IsOrdered).ToArray();
        if (ClosePairs.Closest(lattice, ordered.Select(s => s.Frac).ToArray(), OverlapDistance) is { } p)
            warn(InputError.Format($"atoms {ordered[p.I].Describe()} and {ordered[p.J].Describe()} are only {p.Distance:0.###} Å apart (overlapping sites)", source, block.Line));
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
