namespace CrystalTransformer.Structures;

/// <summary>What to do with a site that holds more than one species or is partially occupied.</summary>
public enum DisorderPolicy
{
    /// <summary>Refuse, naming the site.</summary>
    Reject,
    /// <summary>Keep the species with the largest occupancy, as if fully occupied.</summary>
    Majority,
}

/// <summary>
/// A periodic crystal: a lattice and its sites, with an identifier and optional per-structure labels
/// (numeric targets such as formation energy) and text information (such as a space group).
/// Immutable; the With* methods return copies.
/// </summary>
public sealed class Structure
{
    public string Id { get; }
    public Lattice Lattice { get; }
    public IReadOnlyList<Site> Sites { get; }
    /// <summary>Numeric labels (targets) keyed by name; NaN means missing.</summary>
    public IReadOnlyDictionary<string, double> Labels { get; }
    /// <summary>Other text information carried by the file (e.g. "spacegroup").</summary>
    public IReadOnlyDictionary<string, string> Info { get; }

    private Vec3[]? _cartesian;

    public Structure(Lattice lattice, IReadOnlyList<Site> sites, string id = "",
        IReadOnlyDictionary<string, double>? labels = null, IReadOnlyDictionary<string, string>? info = null)
    {
        Lattice = lattice;
        Sites = sites;
        Id = id;
        Labels = labels ?? new Dictionary<string, double>();
        Info = info ?? new Dictionary<string, string>();
    }

    /// <summary>Builds an ordered structure from elements and fractional coordinates.</summary>
    public static Structure FromFractional(Lattice lattice, IEnumerable<Element> elements, IEnumerable<Vec3> frac, string id = "") =>
        new(lattice, elements.Zip(frac, (e, f) => new Site(e, f)).ToArray(), id);

    /// <summary>Builds an ordered structure from elements and Cartesian coordinates (Å).</summary>
    public static Structure FromCartesian(Lattice lattice, IEnumerable<Element> elements, IEnumerable<Vec3> cart, string id = "") =>
        new(lattice, elements.Zip(cart, (e, c) => new Site(e, lattice.ToFractional(c))).ToArray(), id);

    public int Count => Sites.Count;

    /// <summary>True when every site holds one species with occupancy 1.</summary>
    public bool IsOrdered => Sites.All(s => s.IsOrdered);

    public double Volume => Lattice.Volume;

    /// <summary>Density in g/cm³ (mass from the element table's atomic weights, occupancy-weighted).</summary>
    public double Density => Composition.Weight / Volume * 1.66053906660;

    public Composition Composition => Composition.FromSites(Sites);

    /// <summary>Cartesian coordinates (Å) of each site, as fractional · lattice matrix (not wrapped).</summary>
    public IReadOnlyList<Vec3> CartesianCoordinates => _cartesian ??= Sites.Select(s => Lattice.ToCartesian(s.Frac)).ToArray();

    public Vec3 Cartesian(int i) => CartesianCoordinates[i];

    /// <summary>Atomic numbers of an ordered structure; a disordered site is an error naming it, unless the policy keeps the majority species.</summary>
    public int[] AtomicNumbers(DisorderPolicy policy = DisorderPolicy.Reject)
    {
        var z = new int[Sites.Count];
        for (int i = 0; i < z.Length; i++)
        {
            var s = Sites[i];
            if (s.IsOrdered) z[i] = s.Occupants[0].Element.Z;
            else if (policy == DisorderPolicy.Majority) z[i] = s.MajorityElement.Z;
            else throw new InputError($"structure {DisplayId} is disordered at site {i + 1} ({s.Describe()}: {s.OccupancyString()}); use the majority-species option to keep the largest occupant");
        }
        return z;
    }

    /// <summary>An ordered copy: disordered sites replaced by their majority species (or an error under <see cref="DisorderPolicy.Reject"/>).</summary>
    public Structure Ordered(DisorderPolicy policy)
    {
        if (IsOrdered) return this;
        var z = AtomicNumbers(policy);
        var sites = Sites.Select((s, i) => s.IsOrdered ? s : new Site(PeriodicTable.Get(z[i]), s.Frac, s.Label)).ToArray();
        return new Structure(Lattice, sites, Id, Labels, Info);
    }

    /// <summary>A copy with every site's fractional coordinates wrapped into [0, 1).</summary>
    public Structure Wrapped() =>
        new(Lattice, Sites.Select(s => s.WithFrac(s.Frac.Wrap())).ToArray(), Id, Labels, Info);

    public Structure WithId(string id) => new(Lattice, Sites, id, Labels, Info);
    public Structure WithLabels(IReadOnlyDictionary<string, double> labels) => new(Lattice, Sites, Id, labels, Info);
    public Structure WithInfo(IReadOnlyDictionary<string, string> info) => new(Lattice, Sites, Id, Labels, info);
    public Structure WithSites(IReadOnlyList<Site> sites) => new(Lattice, sites, Id, Labels, Info);

    /// <summary>Label value or NaN when absent.</summary>
    public double Label(string name) => Labels.TryGetValue(name, out var v) ? v : double.NaN;

    private string DisplayId => Id.Length > 0 ? Id : Composition.ReducedFormula;

    public override string ToString() => $"{Composition.ReducedFormula} ({Count} sites, {Lattice})";
}
