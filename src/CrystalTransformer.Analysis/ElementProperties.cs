using CrystalTransformer.Structures;

namespace CrystalTransformer.Analysis;

/// <summary>The tabulated elemental properties (data/elements/elements.csv) that the analyses correlate with and predict.</summary>
public static class ElementProperties
{
    /// <summary>
    /// Every numeric column of the element table except atomic_volume, which for gases is a gas molar volume
    /// (about 12,300 cm³/mol for H) and would dominate any fit.
    /// </summary>
    public static IReadOnlyList<string> Default { get; } = PeriodicTable.PropertyNames.Where(p => p != "atomic_volume").ToArray();

    private static readonly Dictionary<string, string> Units = new()
    {
        ["atomic_weight"] = "Da", ["atomic_radius"] = "pm", ["covalent_radius_pyykko"] = "pm", ["vdw_radius"] = "pm",
        ["metallic_radius"] = "pm", ["en_allen"] = "eV", ["electron_affinity"] = "eV", ["ionization_energy_1"] = "eV",
        ["ionization_energy_2"] = "eV", ["dipole_polarizability"] = "bohr³", ["density"] = "g/cm³", ["melting_point"] = "K",
        ["boiling_point"] = "K", ["heat_of_formation"] = "kJ/mol", ["evaporation_heat"] = "kJ/mol", ["fusion_heat"] = "kJ/mol",
        ["atomic_volume"] = "cm³/mol", ["lattice_constant"] = "Å", ["specific_heat_capacity"] = "J/g/K",
        ["thermal_conductivity"] = "W/m/K",
    };

    public static string Unit(string property) => Units.GetValueOrDefault(property, "");

    public static string Label(string property) => Unit(property) is { Length: > 0 } u ? $"{property} ({u})" : property;

    /// <summary>Property values of the elements in order (NaN where the table has none).</summary>
    public static double[] Values(IReadOnlyList<Element> elements, string property) =>
        elements.Select(e => e.Property(property)).ToArray();
}
