using CrystalTransformer.IO.Csv;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using CrystalTransformer.Tests.Training;

namespace CrystalTransformer.Tests.Reproduce;

public class OodPerov5Tests
{
    [Theory]
    [InlineData("KSbO2N", "Sb")]
    [InlineData("TiAsO2N", "As")]
    [InlineData("BaTiO3", "Ti")]
    [InlineData("LiBeONF", "Be")]
    public void BSiteIsTheSecondElementOfTheFormula(string formula, string b) => Assert.Equal(b, OodPerov5.BSite(formula, "x.csv", 2));

    [Fact]
    public void BadFormulaIsAnErrorWithTheLine()
    {
        var e = Assert.Throws<InputError>(() => OodPerov5.BSite("O3", "x.csv", 7));
        Assert.Contains("x.csv", e.Message);
        Assert.Contains("7", e.Message);
    }

    [Fact]
    public void HeldOutElementsAreAFixedDrawOfTheCandidates()
    {
        var candidates = new[] { "Ti", "Nb", "Ta", "Zr", "Sn", "Hf", "Mo", "W", "V", "Cr", "Sb", "As" };
        var a = OodPerov5.ChooseHeldOut(candidates.Reverse());
        var b = OodPerov5.ChooseHeldOut(candidates);
        Assert.Equal(a, b); // independent of the order they were seen in
        Assert.Equal(OodPerov5.HeldOutCount, a.Length);
        Assert.All(a, e => Assert.Contains(e, candidates));
        Assert.NotEqual(a, OodPerov5.ChooseHeldOut(candidates, seed: OodPerov5.Seed + 1));
    }

    [Fact]
    public void DerivedSetTestsOnlyUnseenElementsAndNeverTrainsOnThem()
    {
        // A perov5-like table: 20 B-site elements, each crystal A B O3 in every original split.
        var bs = new[] { "Ti", "Nb", "Ta", "Zr", "Sn", "Hf", "Mo", "W", "V", "Cr", "Sb", "As", "Ge", "Ir", "Ru", "Rh", "Pt", "Os", "Re", "Mn" };
        var lines = new List<string> { "id,formula,heat_ref,split,cif" };
        int id = 0;
        foreach (var b in bs)
            foreach (var split in new[] { "train", "train", "val", "test" })
                lines.Add($"{++id},Ba{b}O3,1.0,{split},\"data_x\n_cell_length_a 4\"");
        string dir = TinyData.TempDir();
        string source = Path.Combine(dir, "perov5.csv");
        File.WriteAllText(source, string.Join("\n", lines) + "\n");
        var prepared = OodPerov5.Prepare(source, Path.Combine(dir, "out"));
        var heldOut = prepared.Notes["held_out"]!.AsArray().Select(x => (string)x!).ToHashSet();
        Assert.Equal(OodPerov5.HeldOutCount, heldOut.Count);
        var table = CsvTable.ReadFile(prepared.Spec);
        int f = table.Column("formula"), s = table.Column("split");
        foreach (var row in table.Rows)
        {
            bool held = heldOut.Contains(OodPerov5.BSite(row.Fields[f], "", 0));
            Assert.Equal(held, row.Fields[s] == "test");
        }
        Assert.Equal(heldOut.Count, table.Rows.Count(r => r.Fields[s] == "test"));
        Assert.Equal(2 * (bs.Length - heldOut.Count), table.Rows.Count(r => r.Fields[s] == "train"));
        Assert.Contains("\n", table.Rows[0].Fields[table.Column("cif")]); // multi-line CIF survives
        // Same input, same file and identity.
        var again = OodPerov5.Prepare(source, Path.Combine(dir, "out"));
        Assert.Equal(prepared.Identity, again.Identity);
    }
}
