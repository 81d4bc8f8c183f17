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
        switch (spec.Trim().ToLowerInvariant())
        {
            case "perov5":
                return new("perov5", BuiltInData.PathOf("perov5", "perov5.csv.gz"), "formula",
                    [("heat_ref", "heat of formation heat_ref (eV per 5-atom cell)"), ("ind_gap", "indirect band gap (eV)")]);
            case "mp":
            case "mp_compositions":
                return new("mp", BuiltInData.PathOf("mp_compositions", "mp_formation_bandgap.csv.gz"), "composition",
                    [("formation_energy_per_atom", "formation energy (eV/atom)"), ("band_gap", "band gap (eV)")]);
        }
        if (File.Exists(spec))
            return new(System.IO.Path.GetFileNameWithoutExtension(TextFiles.WithoutGz(spec)), spec, null, null);
        throw new InputError($"unknown data set '{spec}' (use perov5, mp or a CSV file with a formula column)");
    }

    public CompositionTable Load() =>
        CompositionTable.Read(Path, FormulaColumn, Properties?.Select(p => p.Column).ToArray());

    public string LabelOf(string column) => Properties?.FirstOrDefault(p => p.Column == column).Label ?? column;
}
