using System.Globalization;
using CrystalTransformer.Structures;


namespace CrystalTransformer.IO.Cif;

/// <summary>
/// The symmetry operations of a CIF block, in pymatgen's order of preference: an explicit list
/// (_symmetry_equiv_pos_as_xyz, _space_group_symop_operation_xyz), else the operations of the named space group
/// (Hermann–Mauguin or Hall symbol), else of the space-group number, else the identity (P1) with a warning.
/// </summary>
internal sealed class CifSymmetry
{
    public required IReadOnlyList<SymmetryOperation> Operations { get; init; }

    /// <summary>
    /// Other settings the file's space-group name may mean (origin choice 2 when the name alone gave origin choice 1),
    /// tried when the first one puts atoms on top of each other; empty when the operations are certain.
    /// </summary>
    public IReadOnlyList<SpaceGroupSetting> Alternatives { get; init; } = [];

    /// <summary>The table setting the operations come from, when they were not listed in the file.</summary>
    public SpaceGroupSetting? Setting { get; init; }
    /// <summary>The Hermann–Mauguin symbol the file gives, if any.</summary>
    public string? Symbol { get; init; }
    public int? Number { get; init; }

    /// <summary>More operations than any crystallographic setting needs (192 for F m -3 m) by a wide margin.</summary>
    private const int MaxOperations = 2000;

    private static readonly string[] ExplicitTags =
    [
        "_symmetry_equiv_pos_as_xyz", "_space_group_symop_operation_xyz",
    ];

    private static readonly string[] SymbolTags =
    [
        "_symmetry_space_group_name_H-M", "_symmetry_space_group_name_H_M", "_space_group_name_H-M_alt",
        "_space_group_name_H-M", "_space_group_name_H-M_ref", "_space_group_name_H-M_full",
    ];

    private static readonly string[] HallTags =
        ["_space_group_name_Hall", "_symmetry_space_group_name_Hall"];

    private static readonly string[] NumberTags =
        ["_space_group_IT_number", "_symmetry_Int_Tables_number"];

    public static CifSymmetry Read(CifBlock block, string source, Action<string>? warn, Lattice? lattice = null)
    {
        string? symbol = block.TryGetAny(out var hm, out _, SymbolTags) ? hm.Text.Trim() : null;
        int? number = block.TryGetAny(out var nv, out _, NumberTags) && CifNumber.TryParse(nv, out double num)
                      && num == Math.Floor(num) && num is >= 1 and <= 230 ? (int)num : null;

        if (MagneticOperations(block, source) is { } magnetic)
            return new CifSymmetry { Operations = magnetic, Symbol = symbol, Number = number };

        foreach (var tag in ExplicitTags)
        {
            var column = block.Column(tag);
            if (column is null) continue;
            // A listed operation that cannot be read is refused, not replaced by the named group's operations: the list
            // and the name may disagree, and which one the author meant is unknowable.
            var ops = ParseList(column, tag, source, out var explicitError);
            if (explicitError is not null) throw explicitError;
            if (ops is not null && ops.Count > 0)
                return new CifSymmetry { Operations = ops, Symbol = symbol, Number = number };
        }

        var fromTable = SpaceGroupOperations(block, symbol, number, source, warn);
        if (fromTable is not null)
        {
            var (chosen, alternatives) = Disambiguate(fromTable, block, symbol, lattice);
            return new CifSymmetry { Operations = chosen.Operations, Setting = chosen, Alternatives = alternatives, Symbol = symbol, Number = number };
        }
        if (symbol is not null || number is not null || block.TryGetAny(out _, out _, HallTags))
        {
            string named = symbol ?? (number is int n ? $"number {n}" : "the Hall symbol");
            throw new InputError($"space group '{named}' is not known and the file lists no symmetry operations", source, hm.Line > 0 ? hm.Line : block.Line);
        }
        warn?.Invoke(InputError.Format("no symmetry operations or space group given; reading as P1", source, block.Line));
        return new CifSymmetry { Operations = [SymmetryOperation.Identity], Symbol = symbol, Number = number };
    }

    /// <summary>
    /// Magnetic CIFs (magCIF, e.g. MAGNDATA) list operations "x,y,z,+1" and centring translations separately; as in
    /// pymatgen, every operation is combined with every centring (translations added, time reversal ignored).
    /// </summary>
    private static List<SymmetryOperation>? MagneticOperations(CifBlock block, string source)
    {
        var ops = block.Column("_space_group_symop_magn_operation_xyz");
        if (ops is null) return null;
        var parsed = ParseList(ops, "_space_group_symop_magn_operation.xyz", source, out var error);
        if (parsed is null) throw error!;
        var centring = block.Column("_space_group_symop_magn_centering_xyz");
        if (centring is null) return parsed;
        var centres = ParseList(centring, "_space_group_symop_magn_centering.xyz", source, out error) ?? throw error!;
        var all = new List<SymmetryOperation>(parsed.Count * centres.Count);
        foreach (var op in parsed)
            foreach (var c in centres)
            {
                var t = op.Translation + c.Translation;
                all.Add(new SymmetryOperation(op.Rotation, new Vec3(t.X - Math.Floor(t.X), t.Y - Math.Floor(t.Y), t.Z - Math.Floor(t.Z))));
            }
        if (all.Count > MaxOperations) throw new InputError($"more than {MaxOperations} magnetic symmetry operations", source, centring[0].Line);
        return all;
    }

    /// <summary>Parses a list of operations; returns null (with the error) when one cannot be read.</summary>
    private static List<SymmetryOperation>? ParseList(IReadOnlyList<CifValue> values, string tag, string source, out InputError? error)
    {
        error = null;
        var ops = new List<SymmetryOperation>(values.Count);
        foreach (var v in values)
        {
            if (v.IsMissing) continue;
            string text = v.Text.Trim();
            // A one-column loop written as "1 'x,y,z'" yields the running numbers as separate values.
            if (!v.Quoted && text.All(char.IsAsciiDigit)) continue;
            if (!SymmetryOperation.TryParse(text, out var op, out string reason))
            {
                error = new InputError($"{tag}: cannot read symmetry operation '{Shorten(text)}': {reason}", source, v.Line);
                return null;
            }
            ops.Add(op);
            if (ops.Count > MaxOperations)
            {
                error = new InputError($"{tag}: more than {MaxOperations} symmetry operations", source, v.Line);
                return null;
            }
        }
        return ops;
    }

    private static SpaceGroupSetting? SpaceGroupOperations(CifBlock block, string? symbol, int? number, string source, Action<string>? warn)
    {
        SpaceGroupSetting group;
        foreach (var tag in SymbolTags)
            if (block.TryGet(tag, out var v) && !v.IsMissing && SpaceGroupTable.TryFindBySymbol(v.Text, out group))
            {
                // A symbol pymatgen does not know sends it to the number; where that is the same setting, its order of
                // operations (and so of equivalent sites) is the number's.
                if (!SpaceGroupTable.IsPymatgenSymbol(v.Text) && number is int num && SpaceGroupTable.TryFindByNumber(num, out var byNumber)
                    && byNumber.Id == group.Id)
                    return byNumber;
                return group;
            }
        if (block.TryGetAny(out var hall, out _, HallTags) && SpaceGroupTable.TryFindByHall(hall.Text, out group)) return group;
        if (number is int n && SpaceGroupTable.TryFindByNumber(n, out group))
        {
            if (symbol is not null)
                warn?.Invoke(InputError.Format($"space group symbol '{symbol}' not recognised; using the standard setting of number {n}", source, block.Line));
            return group;
        }
        return null;
    }

    /// <summary>
    /// A name without its setting ("F d -3 m", "R -3 m") fits several settings. The Hall symbol decides when the file
    /// gives one; rhombohedral groups follow the cell (rhombohedral axes when a = b = c and α = β = γ ≠ 90°); otherwise
    /// pymatgen's choice comes first and the others are kept as alternatives.
    /// </summary>
    private static (SpaceGroupSetting, IReadOnlyList<SpaceGroupSetting>) Disambiguate(SpaceGroupSetting found, CifBlock block, string? symbol, Lattice? lattice)
    {
        if (symbol is not null && SpaceGroupTable.NamesSetting(symbol)) return (found, []);
        var all = SpaceGroupTable.Alternatives(found);
        if (all.Count < 2 || !all.Any(s => s.Id == found.Id)) return (found, []);
        if (block.TryGetAny(out var hall, out _, HallTags) && SpaceGroupTable.TryFindByHall(hall.Text, out var byHall) && all.Any(s => s.Id == byHall.Id))
            return (byHall.Id == found.Id ? found : byHall, []);
        bool rhombohedralGroup = all.Any(s => s.UniversalSymbol.EndsWith(":R", StringComparison.Ordinal));
        if (rhombohedralGroup && lattice is not null)
        {
            bool rhombohedralAxes = IsRhombohedralCell(lattice);
            var pick = all.FirstOrDefault(s => s.UniversalSymbol.EndsWith(rhombohedralAxes ? ":R" : ":H", StringComparison.Ordinal));
            return (pick is null || pick.Id == found.Id ? found : pick, []);
        }
        return (found, all.Where(s => s.Id != found.Id).ToArray());
    }

    private static bool IsRhombohedralCell(Lattice l)
    {
        double a = l.LengthA, b = l.LengthB, c = l.LengthC;
        bool equalLengths = Math.Abs(a - b) < 1e-3 * a && Math.Abs(a - c) < 1e-3 * a;
        bool equalAngles = Math.Abs(l.Alpha - l.Beta) < 0.05 && Math.Abs(l.Alpha - l.Gamma) < 0.05;
        return equalLengths && equalAngles && Math.Abs(l.Alpha - 90) > 0.05;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";

    public override string ToString() => $"{Symbol ?? Number?.ToString(CultureInfo.InvariantCulture) ?? "P1"} ({Operations.Count} operations)";
}
