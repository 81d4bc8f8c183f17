namespace CrystalTransformer.IO;

/// <summary>Where the data shipped with the program live (copied next to the binaries at build time).</summary>
public static class BuiltInData
{
    /// <summary>The data folder: $CT_DATA if set, else "data" next to the program.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("CT_DATA") is { Length: > 0 } custom ? custom : Path.Combine(AppContext.BaseDirectory, "data");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
