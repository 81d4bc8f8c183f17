using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Cli;

/// <summary><c>ct predict --formula</c> and formula CSVs with a composition model, and shipping a run as a model folder.</summary>
[Collection("torch")]
public class FormulaPredictTests
{
    private static int Ct(TextWriter output, TextWriter error, params string[] args)
    {
        var (savedOut, savedErr) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try { return CommandRunner.Run(new RootCommand { PretrainCommand.Create(), PredictCommand.Create(), ModelsCommand.Create() }, args); }
        finally { Console.SetOut(savedOut); Console.SetError(savedErr); }
    }

    private static int Ct(params string[] args) => Ct(TextWriter.Null, TextWriter.Null, args);

    /// <summary>A tiny composition-mode front-end trained on the elements Li Na K Mg Ca Sr Ba Ti Fe O.</summary>
    private static readonly Lazy<string> CompositionRun = new(() =>
    {
        string dir = TinyData.TempDir();
        string csv = PretrainCommandTests.CompositionCsv(dir);
        string run = Path.Combine(dir, "run");
        Assert.Equal(0, Ct("pretrain", "--data", csv, "--targets", "energy,gap", "--layers", "1", "--heads", "2", "--ff", "16", "--input-width", "8",
            "--batch-size", "8", "--epochs", "2", "--threads", "1", "--quiet", "--device", "cpu", "--out", run));
        return run;
    });

    private static double V(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static List<string[]> Rows(string csvPath) =>
        CrystalTransformer.IO.Csv.CsvRowReader.ReadFile(csvPath).Select(r => r.Fields).ToList();

    [Fact]
    public void FormulasGiveOneRowEachWithErrorsForUnknownAndUntrainedElements()
    {
        string run = CompositionRun.Value;
        string output = Path.Combine(TinyData.TempDir(), "preds.csv");
        Assert.Equal(0, Ct("predict", "--model", run, "--formula", "Fe2O3", "--formula", "Fe4O6", "--formula", "Li2O", "--formula", "Xx2O3",
            "--formula", "PuO2", "--formula", "LiFePO4", "--out", output, "--quiet"));
        var rows = Rows(output);
        Assert.Equal(["id", "energy", "gap", "error"], rows[0]);
        Assert.Equal(["Fe2O3", "Fe4O6", "Li2O", "Xx2O3", "PuO2", "LiFePO4"], rows.Skip(1).Select(r => r[0]));
        foreach (var r in rows.Skip(1).Take(3))
        {
            Assert.True(double.IsFinite(double.Parse(r[1], CultureInfo.InvariantCulture)));
            Assert.Equal("", r[3]);
        }
        // The model sees atomic fractions: a formula and its multiple are the same compound.
        // (float32 network: rows of one batch agree to rounding)
        Assert.Equal(V(rows[1][1]), V(rows[2][1]), 1e-5);
        Assert.Equal(V(rows[1][2]), V(rows[2][2]), 1e-5);
        Assert.Equal(["", ""], rows[4][1..3]);
        Assert.Equal("unknown element 'Xx' in formula 'Xx2O3'", rows[4][3]);
        Assert.Equal("element Pu is not among the 10 elements the model was trained on", rows[5][3]);
        Assert.Equal("element P is not among the 10 elements the model was trained on", rows[6][3]);
    }

    [Fact]
    public void FormulaCsvFilesUseTheirIdsAndNameTheLineOfABadRow()
    {
        string run = CompositionRun.Value;
        string dir = TinyData.TempDir();
        string csv = Path.Combine(dir, "compounds.csv");
        File.WriteAllText(csv, "material_id,composition,note\nm1,BaTiO3,a\nm2,Ba1Ti1O3,\"quoted, with comma\"\nm3,CsPbI3,b\nm4,Fe(2)O3x,c\n");
        string custom = Path.Combine(dir, "custom.csv");
        File.WriteAllText(custom, "name,my_formula\nx,SrTiO3\n");
        string noColumn = Path.Combine(dir, "nocolumn.csv");
        File.WriteAllText(noColumn, "name,other\nx,SrTiO3\n");
        string output = Path.Combine(dir, "out.csv");
        Assert.Equal(0, Ct("predict", "--model", run, "--formula", "BaTiO3", csv, "--out", output, "--quiet"));
        var rows = Rows(output);
        Assert.Equal(["BaTiO3", "m1", "m2", "m3", "m4"], rows.Skip(1).Select(r => r[0]));
        Assert.Equal(V(rows[1][1]), V(rows[2][1]), 1e-5);
        Assert.Equal(V(rows[2][1]), V(rows[3][1]), 1e-5);
        Assert.StartsWith("compounds.csv:4: elements Cs, Pb, I are not among", Path.GetFileName(rows[4][3]));
        Assert.Contains("compounds.csv:5: ", rows[5][3]);

        // --formula-column names the column; a file without it is one error row, and the other inputs still run.
        Assert.Equal(0, Ct("predict", "--model", run, "--formula-column", "my_formula", custom, noColumn, "--out", output, "--quiet"));
        rows = Rows(output);
        Assert.Equal(["SrTiO3", "nocolumn"], rows.Skip(1).Select(r => r[0]));   // no id column: the formula is the id
        Assert.Equal("", rows[1][3]);
        Assert.Contains("nocolumn.csv:1: no column 'my_formula' (columns: name, other)", rows[2][3]);
    }

    [Fact]
    public void StructureFilesGiveTheirCompositionsToACompositionModelAndStructureModelsRefuseFormulas()
    {
        string run = CompositionRun.Value;
        string dir = TinyData.TempDir();
        var lattice = CrystalTransformer.Structures.Lattice.Cubic(4.0);
        var batio3 = CrystalTransformer.Structures.Structure.FromFractional(lattice,
            new[] { "Ba", "Ti", "O", "O", "O" }.Select(s => CrystalTransformer.Structures.PeriodicTable.Get(s)),
            new CrystalTransformer.Structures.Vec3[] { new(0, 0, 0), new(0.5, 0.5, 0.5), new(0.5, 0.5, 0), new(0.5, 0, 0.5), new(0, 0.5, 0.5) });
        CrystalTransformer.IO.StructureIO.Write(Path.Combine(dir, "bto.cif"), batio3);
        string output = Path.Combine(dir, "out.csv");
        Assert.Equal(0, Ct("predict", "--model", run, "--formula", "BaTiO3", Path.Combine(dir, "bto.cif"), "--out", output, "--quiet"));
        var rows = Rows(output);
        Assert.Equal(["BaTiO3", "bto"], rows.Skip(1).Select(r => r[0]));
        Assert.Equal(V(rows[1][1]), V(rows[2][1]), 1e-5);
        Assert.Equal(V(rows[1][2]), V(rows[2][2]), 1e-5);

        var error = new StringWriter();
        Assert.Equal(1, Ct(TextWriter.Null, error, "predict", "--model", "cgcnn-perov5", "--formula", "BaTiO3"));
        Assert.Contains("needs crystal structures", error.ToString());
        Assert.Equal(2, Ct(TextWriter.Null, error, "predict", "--model", run)); // nothing to predict: a usage error
    }

    [Fact]
    public void ShippingARunWritesAModelFolderWhoseReadmeNumbersComeFromMetricsJson()
    {
        string run = CompositionRun.Value;
        string folder = Path.Combine(TinyData.TempDir(), "tiny-composition");
        var output = new StringWriter();
        Assert.Equal(0, Ct(output, TextWriter.Null, "models", "ship", run, "--name", "tiny-composition", "--out", folder));
        foreach (var f in new[] { "model.ct", "metrics.json", "config.json", "log.csv", "curve.png", "curve.svg", "environment.json", "provenance.json", "CITATION.md", "README.md" })
            Assert.True(File.Exists(Path.Combine(folder, f)), f);
        Assert.Contains("doi:10.1038/s41467-025-56481-x", File.ReadAllText(Path.Combine(run, "CITATION.md")));   // every run directory cites
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")))!;
        string readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        Assert.StartsWith("# tiny-composition\n", readme);
        Assert.Contains("ct predict --model tiny-composition --formula Fe2O3", readme);
        foreach (var target in new[] { "energy", "gap" })
        {
            double mae = metrics["test"]![target]!["mae"]!.GetValue<double>();
            Assert.Contains($"| `{target}` |", readme);
            Assert.Contains(mae.ToString("0.0000", CultureInfo.InvariantCulture), readme);
        }
        Assert.Contains("the 10 elements of its training split", readme);
        Assert.Contains("doi:10.1038/s41467-025-56481-x", readme);
        // The folder is a model ct predict takes, as it takes models/NAME by name.
        string preds = Path.Combine(TinyData.TempDir(), "p.csv");
        Assert.Equal(0, Ct("predict", "--model", folder, "--formula", "CaO", "--out", preds, "--quiet"));
        Assert.Equal("", Rows(preds)[1][3]);
        Assert.Equal(1, Ct("models", "ship", Path.Combine(run, "nope"), "--name", "x", "--out", Path.Combine(folder, "x")));
    }
}
