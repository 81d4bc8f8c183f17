using CrystalTransformer.IO;
using CrystalTransformer.IO.Csv;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

/// <summary>A composition data set for the compound view: where it is and which numeric columns to draw.</summary>
public sealed record CompoundDataset(string Name, string Path, string? FormulaColumn, IReadOnlyList<(string Column, string Label)>? Properties)
{
    /// <summary>
    /// <c>perov5</c> (data/perov5: formula, heat_ref and ind_gap), <c>mp</c> (data/mp_compositions: composition,
    /// formation_energy_per_atom and band_gap), or a CSV path with a formula column (formula, composition, ...) whose numeric
    /// columns are all drawn.
    /// </summary>
    public static CompoundDataset Resolve(string spec)
    {
        if (BuiltInDataSets.Find(spec) is { FormulaColumn: { } formula } set)
            return new(set == BuiltInDataSets.MpCompositions ? "mp" : set.Name, set.Path, formula,
                set.Targets.Where(t => t.Overview).Select(t => (t.Name, t.Label)).ToArray());
        if (File.Exists(spec))
            return new(System.IO.Path.GetFileNameWithoutExtension(TextFiles.WithoutGz(spec)), spec, null, null);
        throw new InputError($"unknown data set '{spec}' (use {string.Join(", ", BuiltInDataSets.All.Where(d => d.FormulaColumn is not null).Select(d => d.Name))} or a CSV file with a formula column)");
    }

    public CompositionTable Load() =>
        CompositionTable.Read(Path, FormulaColumn, Properties?.Select(p => p.Column).ToArray());

    public string LabelOf(string column) => Properties?.FirstOrDefault(p => p.Column == column).Label ?? column;
}
