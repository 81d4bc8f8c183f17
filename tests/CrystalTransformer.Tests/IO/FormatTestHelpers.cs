using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Tests.IO;

/// <summary>Reading and writing through a format from strings, and where test fixtures live.</summary>
internal static class FormatTestHelpers
{
    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static List<Structure> ReadAll(IStructureFormat format, string text, string source = "input", ReadOptions? options = null) =>
        format.Read(new StringReader(text), source, options ?? ReadOptions.Default).ToList();

    public static Structure ReadOne(IStructureFormat format, string text, string source = "input", ReadOptions? options = null) =>
        Assert.Single(ReadAll(format, text, source, options));

    public static string WriteAll(IStructureFormat format, params Structure[] structures)
    {
        var sw = new StringWriter();
        format.Write(sw, structures);
        return sw.ToString();
    }

    /// <summary>Asserts the read fails with a one-line <see cref="InputError"/> naming the source, and returns it.</summary>
    public static InputError ReadFails(IStructureFormat format, string text, string source = "bad.file", ReadOptions? options = null)
    {
        var e = Assert.Throws<InputError>(() => ReadAll(format, text, source, options));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.StartsWith(source + ":", e.Message);
        return e;
    }

    public static void AssertClose(Vec3 expected, Vec3 actual, double tolerance)
    {
        Assert.True((expected - actual).Norm <= tolerance, $"expected {expected}, got {actual} (tolerance {tolerance:G3})");
    }

    public static void AssertClose(Mat3 expected, Mat3 actual, double tolerance)
    {
        for (int r = 0; r < 3; r++) AssertClose(expected.Row(r), actual.Row(r), tolerance);
    }
}
