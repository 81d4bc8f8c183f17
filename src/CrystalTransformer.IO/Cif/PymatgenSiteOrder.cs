using System.Globalization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.IO.Cif;

/// <summary>The order pymatgen gives the sites of a structure, so that ours list them in the same order.</summary>
internal static class PymatgenSiteOrder
{
    /// <summary>pymatgen's Structure.get_sorted_structure: by average electronegativity, then species string.</summary>
    public static Site[] Sort(IEnumerable<Site> sites)
    {
        var keyed = sites.Select(s => (Site: s, En: AverageElectronegativity(s), Text: SpeciesString(s))).ToList();
        PymatgenConventions.PythonSort(keyed, (a, b) =>
        {
            if (a.En < b.En) return true;
            if (a.En > b.En) return false;
            return string.CompareOrdinal(a.Text, b.Text) < 0;
        });
        return keyed.Select(k => k.Site).ToArray();
    }

    private static double AverageElectronegativity(Site s)
    {
        double sum = 0, n = 0;
        foreach (var o in s.Occupants) { sum += PymatgenConventions.Electronegativity(o.Element) * Math.Abs(o.Occupancy); n += Math.Abs(o.Occupancy); }
        return sum / n;
    }

    /// <summary>pymatgen's Site.species_string: "Fe" or "Fe3+" when ordered, else "Fe:0.500, Ni:0.500" in species order.</summary>
    private static string SpeciesString(Site s)
    {
        if (s.Occupants.Count == 1 && s.Occupants[0].Occupancy == 1)
            return CifSpecies.SpeciesString(s.Occupants[0].Element, s.Occupants[0].OxidationState);
        var occ = s.Occupants.ToList();
        PymatgenConventions.PythonSort(occ, (a, b) => PymatgenConventions.CompareSpecies(a.Element, a.OxidationState, b.Element, b.OxidationState) < 0);
        return string.Join(", ", occ.Select(o =>
            CifSpecies.SpeciesString(o.Element, o.OxidationState) + ":" + o.Occupancy.ToString("F3", CultureInfo.InvariantCulture)));
    }
}
