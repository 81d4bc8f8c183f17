using CrystalTransformer.Structures;

namespace CrystalTransformer.IO;

/// <summary>How a built-in data set is split into training, validation and test parts.</summary>
public enum SplitRule
{
    /// <summary>The file's own <c>split</c> column.</summary>
    SplitColumn,
    /// <summary>A random 80/10/10 split of the file order with a fixed seed (<see cref="BuiltInDataSet.SplitSeed"/>), whatever the options.</summary>
    FixedRandom,
    /// <summary>A random 80/10/10 split of the file order seeded with the run's split seed.</summary>
    SeededRandom,
}

/// <summary>A label of a built-in data set, with its meaning and unit.</summary>
/// <param name="Overview">Drawn in overviews such as <c>ct analyze</c>'s compound view.</param>
public sealed record DataTarget(string Name, string Label, bool Overview = true);

/// <summary>
/// A data set shipped in <c>data/</c>: its name and the other spellings accepted for it, its file, its labels, how it is
/// split, and whether it holds compositions only (and in which column).
/// </summary>
public sealed record BuiltInDataSet(string Name, IReadOnlyList<string> Aliases, string Folder, string File, IReadOnlyList<DataTarget> Targets,
    SplitRule Split, int? SplitSeed = null, bool CompositionOnly = false, string? FormulaColumn = null)
{
    /// <summary>The file on this machine.</summary>
    public string Path => BuiltInData.PathOf(Folder, File);

    /// <summary>True when <paramref name="text"/> is the name or an alias (case and surrounding spaces ignored).</summary>
    public bool Matches(string text)
    {
        string t = text.Trim();
        return Name.Equals(t, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => a.Equals(t, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>The registry of built-in data sets, read by every command that takes a data set by name.</summary>
public static class BuiltInDataSets
{
    /// <summary>perov5 (CDVAE's 18,928 perovskites): heats of formation and gaps, with its own train/val/test column.</summary>
    public static readonly BuiltInDataSet Perov5 = new("perov5", ["perov_5"], "perov5", "perov5.csv.gz",
        [
            new("heat_ref", "heat of formation heat_ref (eV per 5-atom cell)"),
            new("dir_gap", "direct band gap (eV)", Overview: false),
            new("ind_gap", "indirect band gap (eV)"),
        ], SplitRule.SplitColumn, FormulaColumn: "formula");

    /// <summary>NOMAD-2018 (Kaggle's 2,400 transparent conductors), split 80/10/10 with the fixed seed 42.</summary>
    public static readonly BuiltInDataSet Nomad2018 = new("nomad2018", ["nomad", "nomad-2018"], "nomad2018", "train.extxyz.gz",
        [
            new("formation_energy_ev_natom", "formation energy (eV/atom)"),
            new("bandgap_energy_ev", "band gap (eV)"),
        ], SplitRule.FixedRandom, SplitSeed: 42);

    /// <summary>Materials Project compositions (no structures): formation energies and band gaps.</summary>
    public static readonly BuiltInDataSet MpCompositions = new("mp-compositions", ["mp_compositions", "mp"], "mp_compositions", "mp_formation_bandgap.csv.gz",
        [
            new("formation_energy_per_atom", "formation energy (eV/atom)"),
            new("band_gap", "band gap (eV)"),
        ], SplitRule.SeededRandom, CompositionOnly: true, FormulaColumn: "composition");

    /// <summary>Every built-in data set.</summary>
    public static readonly IReadOnlyList<BuiltInDataSet> All = [Perov5, Nomad2018, MpCompositions];

    /// <summary>The data set named <paramref name="text"/> (by name or alias), or null.</summary>
    public static BuiltInDataSet? Find(string text) => All.FirstOrDefault(d => d.Matches(text));

    /// <summary>The data set named <paramref name="text"/>, or an error listing the built-in ones.</summary>
    public static BuiltInDataSet Get(string text) =>
        Find(text) ?? throw new InputError($"unknown data set '{text}' (built-in: {string.Join(", ", All.Select(d => d.Name))})");
}
