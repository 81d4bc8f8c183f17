namespace CrystalTransformer.IO.Text;

/// <summary>Identifiers derived from the name a reader was given for its input.</summary>
internal static class SourceName
{
    /// <summary>"dir/POSCAR-JVASP-10.vasp.gz" → "POSCAR-JVASP-10"; "CONTCAR" → "CONTCAR".</summary>
    public static string Stem(string source)
    {
        string name = Path.GetFileName(source);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) name = name[..^3];
        string stem = Path.GetFileNameWithoutExtension(name);
        return stem.Length > 0 ? stem : name;
    }
}
