using System.Text;
using System.Text.Json.Nodes;

namespace CrystalTransformer.Training;

/// <summary>One work to cite: what it stands for in a run, and the reference itself.</summary>
public sealed record Citation(string Role, string Reference);

/// <summary>
/// How to cite what a run or a shipped model used: the method (always), the back-end, the element table and the data
/// sets, recognised from the model's kind and settings and the recorded data source. Written into every run directory
/// as CITATION.md and shown by <c>ct models</c>; the data references follow data/README.md.
/// </summary>
public static class Citations
{
    public const string FileName = "CITATION.md";

    public static readonly Citation Method = new("method (ct-UAE, CrystalTransformer)",
        "Jin et al., \"Transformer-generated atomic embeddings to enhance prediction accuracy of crystal properties with machine learning\", " +
        "Nature Communications (2025), doi:10.1038/s41467-025-56481-x");

    private static readonly Dictionary<string, Citation> BackEnds = new(StringComparer.Ordinal)
    {
        ["cgcnn"] = new("back-end CGCNN", "Xie & Grossman, Phys. Rev. Lett. 120, 145301 (2018), doi:10.1103/PhysRevLett.120.145301"),
        ["megnet"] = new("back-end MEGNet", "Chen et al., Chem. Mater. 31, 3564 (2019), doi:10.1021/acs.chemmater.9b01294"),
        ["alignn"] = new("back-end ALIGNN", "Choudhary & DeCost, npj Comput. Mater. 7, 185 (2021), doi:10.1038/s41524-021-00650-1"),
    };

    // Element tables by name (data/embeddings/README.md); the ct-UAEs are covered by the method citation.
    private static readonly Dictionary<string, string> Tables = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cgcnn92"] = "Xie & Grossman, Phys. Rev. Lett. 120, 145301 (2018), doi:10.1103/PhysRevLett.120.145301",
        ["megnet16"] = "Chen et al., Chem. Mater. 31, 3564 (2019), doi:10.1021/acs.chemmater.9b01294",
        ["mat2vec"] = "Tshitoyan et al., Nature 571, 95 (2019), doi:10.1038/s41586-019-1335-8",
        ["magpie"] = "Ward et al., npj Comput. Mater. 2, 16028 (2016), doi:10.1038/npjcompumats.2016.28",
        ["magpie_sc"] = "Ward et al., npj Comput. Mater. 2, 16028 (2016), doi:10.1038/npjcompumats.2016.28",
        ["oliynyk"] = "Oliynyk et al., Chem. Mater. 28, 7324 (2016), doi:10.1021/acs.chemmater.6b02724",
        ["oliynyk_sc"] = "Oliynyk et al., Chem. Mater. 28, 7324 (2016), doi:10.1021/acs.chemmater.6b02724",
        ["skipatom"] = "Antunes et al., npj Comput. Mater. 8, 44 (2022), doi:10.1038/s41524-022-00729-3",
        ["matscholar"] = "Weston et al., J. Chem. Inf. Model. 59, 3692 (2019), doi:10.1021/acs.jcim.9b00470",
        ["cgnf"] = "composition graph neural fingerprint (kaist-amsg/Synthesizability-stoi-CGNF), Matter (2024)",
        ["xenonpy"] = "XenonPy (yoshida-lab/XenonPy), Comput. Mater. Sci. (2022), doi:10.1016/j.commatsci.2022.111496",
    };

    // Recognised by a folder of data/ in the recorded path, or by the file reproduce derives from it (perov5-ood).
    private static readonly (string[] Markers, Citation Citation)[] DataSets =
    [
        (["/perov5/", "/perov5-ood."], new("data: perov5 (cubic perovskites, CMR database, via CDVAE)",
            "Castelli et al., Energy Environ. Sci. 5, 5814 and 9034 (2012) (data CC BY-SA 4.0); Xie et al., CDVAE, ICLR (2022), github.com/txie-93/cdvae")),
        (["/nomad2018/"], new("data: NOMAD 2018 Kaggle competition",
            "Sutton et al., npj Comput. Mater. 5, 111 (2019), doi:10.1038/s41524-019-0239-3")),
        (["/mp_compositions/"], new("data: Materials Project compositions (via roost)",
            "Jain et al., APL Mater. 1, 011002 (2013), doi:10.1063/1.4812323 (Materials Project, CC BY 4.0); Goodall & Lee, Nat. Commun. 11, 6280 (2020), github.com/CompRhys/roost")),
    ];

    /// <summary>The works behind a model: the method, its back-end, its element table and its data.</summary>
    public static IReadOnlyList<Citation> For(string kind, JsonObject config, string dataSource)
    {
        var list = new List<Citation> { Method };
        if (BackEnds.TryGetValue(kind, out var backEnd)) list.Add(backEnd);
        if (config["element_table"] is JsonObject table && table["name"]?.GetValue<string>() is { } name)
            foreach (var part in TableNames(name).Distinct(StringComparer.OrdinalIgnoreCase))
                if (Tables.TryGetValue(part, out var reference)) list.Add(new Citation($"element table {part}", reference));
        var unknown = new List<string>();
        foreach (var source in dataSource.Split(" + ", StringSplitOptions.RemoveEmptyEntries))
        {
            string s = "/" + source.Replace('\\', '/').ToLowerInvariant() + "/";
            var known = DataSets.Where(d => d.Markers.Any(m => s.Contains(m, StringComparison.Ordinal))).Select(d => d.Citation).ToArray();
            if (known.Length == 0) unknown.Add(source);
            foreach (var c in known) if (!list.Contains(c)) list.Add(c);
        }
        if (unknown.Count > 0) list.Add(new Citation("data", "the source of " + string.Join(", ", unknown) + " (not a data set shipped with the program)"));
        return list;
    }

    /// <summary>The component table names of a specification: "std:magpie+ct-uae-mp" → magpie, ct-uae-mp.</summary>
    private static IEnumerable<string> TableNames(string spec) =>
        spec.Split('+').Select(p => p.Split(':')[^1].Trim()).Where(p => p.Length > 0);

    /// <summary>CITATION.md of a run directory or shipped model.</summary>
    public static string Markdown(IReadOnlyList<Citation> citations)
    {
        var sb = new StringBuilder("# How to cite\n\nThis run was made with CrystalTransformer (`ct`). Please cite:\n\n");
        foreach (var c in citations) sb.Append("- ").Append(c.Role).Append(": ").Append(c.Reference).Append('\n');
        sb.Append("\nData provenance and licences: data/README.md of the program (`ct` prints where its data folder is with `ct --version`).\n");
        return sb.ToString();
    }
}
