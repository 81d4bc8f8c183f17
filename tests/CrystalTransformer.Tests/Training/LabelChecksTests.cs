using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Training;

/// <summary>
/// Labels are checked before training: repeated ids, non-finite or overflowing labels and bad index rows are refused
/// (every offending row in one message); missing labels are reported, never masked without a word.
/// </summary>
public class LabelChecksTests
{
    private static string CgcnnFolder(string idProp, params string[] ids)
    {
        string dir = TinyData.TempDir();
        var s = TinyData.Structures(count: Math.Max(1, ids.Length), seed: 3).Entries.Select(e => e.Structure!).ToArray();
        for (int i = 0; i < ids.Length; i++) StructureIO.Write(Path.Combine(dir, ids[i] + ".cif"), s[i]);
        File.WriteAllText(Path.Combine(dir, "id_prop.csv"), idProp);
        return dir;
    }

    [Fact]
    public void EveryBadRowOfAnIndexIsReportedAtOnce()
    {
        string dir = CgcnnFolder("a,1\nb,x\nc,2\na,3\nd,4,5\n", "a", "b", "c", "d");
        var e = Assert.Throws<InputError>(() => StructureIO.Read(dir));
        Assert.Contains("3 bad rows", e.Message);
        Assert.Contains("line 2: row 2 (id b): value 'x' is not a number", e.Message);
        Assert.Contains("line 4: row 4 (id a): the id repeats line 1", e.Message);
        Assert.Contains("line 5: row 5 (id d): 2 values, earlier rows have 1", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AFirstRowIsAHeaderOnlyWhenItsIdNamesNoFile()
    {
        var header = StructureIO.Read(CgcnnFolder("id,energy\na,1\n", "a"));
        Assert.Equal(1.0, Assert.Single(header).Label("energy"));
        // "a" names a structure file: the row is data, and its value is not a number.
        var e = Assert.Throws<InputError>(() => StructureIO.Read(CgcnnFolder("a,energy\nb,1\n", "a", "b")));
        Assert.Contains("id_prop.csv:1: row 1 (id a): value 'energy' is not a number", e.Message);
    }

    private static string Extxyz(params (string Id, string Label)[] frames)
    {
        var s = TinyData.Structures(count: frames.Length, seed: 4).Entries.Select(e => e.Structure!).ToArray();
        string path = Path.Combine(TinyData.TempDir(), "d.extxyz");
        StructureIO.Write(path, s.Select((x, i) => x.WithId(frames[i].Id)));
        // Labels written by hand so that text such as "nan" or "1e155" reaches the reader as it is.
        var lines = File.ReadAllLines(path).ToList();
        int frame = 0;
        for (int k = 0; k < lines.Count; k++)
            if (lines[k].StartsWith("Lattice=", StringComparison.Ordinal)) lines[k] += $" y={frames[frame++].Label}";
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void RepeatedIdsAreRefusedNamingEveryOne()
    {
        string file = Extxyz(("x", "1"), ("y", "2"), ("x", "3"), ("z", "4"), ("y", "5"));
        var e = Assert.Throws<InputError>(() => DataSets.Load(file, ["y"]));
        Assert.Contains("2 id(s) occur more than once: 'x' (rows 1, 3); 'y' (rows 2, 5)", e.Message);
    }

    [Fact]
    public void LabelsThatWouldOverflowAreRefusedAndMissingOnesReported()
    {
        var frames = Enumerable.Range(0, 20).Select(i => ($"s{i}", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        frames[3].Item2 = "1e155";
        frames[7].Item2 = "-2e200";
        var data = DataSets.Load(Extxyz(frames), ["y"]);
        var e = Assert.Throws<InputError>(() => TargetScaler.Fit(data));
        Assert.Contains("target 'y' exceeds ±1e100 in 2 row(s): 4, 8", e.Message);

        frames[3].Item2 = "nan";
        frames[7].Item2 = "nan";
        data = DataSets.Load(Extxyz(frames), ["y"]);
        var line = Assert.Single(data.MissingLabels());
        Assert.StartsWith("2 of 20 structures have no 'y' label", line);
        Assert.Contains("s3 (row 4)", line);
        Assert.Contains("left out of its loss and metrics", line);
    }
}
