namespace CrystalTransformer.Structures;

/// <summary>One species on a site with its occupancy (1 for an ordered site).</summary>
public readonly record struct Occupant(Element Element, double Occupancy, double? OxidationState = null);

/// <summary>
/// A site of a crystal: fractional coordinates and one or more occupants (more than one, or an occupancy below 1,
/// means a disordered site).
/// </summary>
public sealed class Site
{
    public IReadOnlyList<Occupant> Occupants { get; }
    /// <summary>Fractional coordinates (not necessarily wrapped into [0, 1)).</summary>
    public Vec3 Frac { get; }
    /// <summary>The label the file gave the site (CIF _atom_site_label), if any.</summary>
    public string? Label { get; }
    /// <summary>Selective-dynamics flags from POSCAR files (true = may move), if given.</summary>
    public (bool X, bool Y, bool Z)? SelectiveDynamics { get; init; }

    public Site(Element element, Vec3 frac, string? label = null, double? oxidationState = null)
        : this([new Occupant(element, 1.0, oxidationState)], frac, label) { }

    public Site(IReadOnlyList<Occupant> occupants, Vec3 frac, string? label = null)
    {
        if (occupants.Count == 0) throw new InputError($"site {label ?? frac.ToString()} has no species");
        if (!frac.IsFinite) throw new InputError($"site {label ?? ""} has non-finite coordinates");
        Occupants = occupants;
        Frac = frac;
        Label = label;
    }

    /// <summary>One species with occupancy 1 (pymatgen's is_ordered).</summary>
    public bool IsOrdered => Occupants.Count == 1 && Math.Abs(Occupants[0].Occupancy - 1.0) < 1e-8;

    /// <summary>The species with the largest occupancy (first in file order on ties).</summary>
    public Element MajorityElement
    {
        get
        {
            var best = Occupants[0];
            foreach (var o in Occupants) if (o.Occupancy > best.Occupancy) best = o;
            return best.Element;
        }
    }

    /// <summary>The element of an ordered site; throws for a disordered one.</summary>
    public Element Element => IsOrdered ? Occupants[0].Element
        : throw new InputError($"site {Describe()} is disordered ({OccupancyString()})");

    public double TotalOccupancy => Occupants.Sum(o => o.Occupancy);

    public Site WithFrac(Vec3 frac) => new(Occupants, frac, Label) { SelectiveDynamics = SelectiveDynamics };
    public Site WithOccupants(IReadOnlyList<Occupant> occupants) => new(occupants, Frac, Label) { SelectiveDynamics = SelectiveDynamics };

    public string Describe() => Label is { Length: > 0 } ? Label : $"{OccupancyString()} at {Frac}";

    public string OccupancyString() => string.Join(" ", Occupants.Select(o =>
        Math.Abs(o.Occupancy - 1) < 1e-8 ? o.Element.Symbol : FormattableString.Invariant($"{o.Element.Symbol}:{o.Occupancy:0.###}")));

    public override string ToString() => $"{OccupancyString()} {Frac}";
}
