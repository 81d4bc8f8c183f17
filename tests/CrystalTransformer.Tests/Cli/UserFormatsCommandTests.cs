using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO;
using CrystalTransformer.Tests.IO;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;
using Microsoft.Data.Sqlite;

namespace CrystalTransformer.Tests.Cli;

/// <summary>ct inspect, ct predict and ct train on pymatgen JSON and ASE databases (fixtures written by pymatgen and ASE).</summary>
[Collection("torch")]
public class UserFormatsCommandTests
{
    private static int Ct(params string[] args) =>
        CommandRunner.Run(new RootCommand { TrainCommand.Create(), PredictCommand.Create() }, args);

    [Fact]
    public void InspectReportsEachRecordAndTheBadOneOnItsOwnLine()
    {
        var output = new StringWriter();
        int code = InspectCommand.Run([UserFormatsReferenceTests.Fixture("structures.db"), UserFormatsReferenceTests.Fixture("structure.json")],
            new InspectCommand.Settings(true, null, null, 256 << 20, ReadOptions.Default), output);
        Assert.Equal(1, code);   // one record failed
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(9, lines.Length);   // 7 crystals and the molecule of the database, the single structure
        Assert.Contains("row id 6: not periodic", lines[5].GetProperty("error").GetString());
        Assert.Equal("Sr1 Ti1 O3", lines[8].GetProperty("formula").GetString());
    }

    [Fact]
    public void PredictGivesARowPerRecordWithTheFileIdsAndAnErrorRowForTheBadRecord()
    {
        string output = Path.Combine(TinyData.TempDir(), "p.csv");
        Assert.Equal(0, Ct("predict", "--model", "cgcnn-perov5", UserFormatsReferenceTests.Fixture("matbench_split.json.gz"), "--out", output, "--quiet"));
        var rows = CrystalTransformer.IO.Csv.CsvRowReader.ReadFile(output).Skip(1).Select(r => r.Fields).ToArray();
        Assert.Equal(["mb-test-00001", "mb-test-00002", "mb-test-00003", "mb-test-00004", "matbench_split:5", "mb-test-00006", "mb-test-00007", "mb-test-00008"],
            rows.Select(r => r[0]));
        Assert.EndsWith("record 5 (mb-test-00005): site 1: unknown element 'Xx'", rows[4][2]);
        Assert.Equal("", rows[2][2]);   // SrTiO3, a perovskite the model knows
        Assert.True(double.IsFinite(double.Parse(rows[2][1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void TrainReadsLabelsAndSplitsFromJsonRecordsAndAseDatabasesAndRefusesTheBadRecord()
    {
        string dir = TinyData.TempDir();
        // The fixtures without their bad record.
        var records = JsonNode.Parse(File.ReadAllText(UserFormatsReferenceTests.Fixture("records.json")))!.AsArray();
        records.RemoveAt(3);
        string json = Path.Combine(dir, "records.json");
        File.WriteAllText(json, records.ToJsonString());
        string db = Path.Combine(dir, "clean.db");
        File.Copy(UserFormatsReferenceTests.Fixture("structures.db"), db);
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM species WHERE id = 6; DELETE FROM keys WHERE id = 6; DELETE FROM text_key_values WHERE id = 6; DELETE FROM number_key_values WHERE id = 6; DELETE FROM systems WHERE id = 6";
            cmd.ExecuteNonQuery();
        }
        string[] tiny = ["--model", "cgcnn", "--embedding", "random:8:3", "--epochs", "1", "--batch-size", "4", "--set", "atom_features=8", "--set", "convolutions=1",
            "--set", "radius=5", "--set", "max_neighbors=6", "--threads", "1", "--device", "cpu", "--quiet"];
        foreach (var (data, counts) in new[] { (json, (6, 1, 2)), (db, (4, 2, 1)) })
        {
            string run = Path.Combine(dir, Path.GetFileNameWithoutExtension(data));
            Assert.Equal(0, Ct(["train", "--data", data, "--targets", "e_form,band_gap", .. tiny, "--out", run]));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
            Assert.Equal("column 'split' of the data", (string?)config["data"]!["split"]);
            Assert.Equal(counts, ((int)config["data"]!["train"]!, (int)config["data"]!["validation"]!, (int)config["data"]!["test"]!));
        }
        var predictions = File.ReadAllLines(Path.Combine(dir, "records", Trainer.PredictionsFile));
        Assert.Contains(predictions, l => l.StartsWith("mp-1004,", StringComparison.Ordinal));   // ids from the records

        // With its bad record the database is refused, naming the row.
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try { Assert.Equal(1, Ct(["train", "--data", UserFormatsReferenceTests.Fixture("structures.db"), "--targets", "e_form", .. tiny, "--out", Path.Combine(dir, "bad")])); }
        finally { Console.SetError(saved); }
        Assert.Contains("structures.db: row id 6: not periodic (pbc F F F)", error.ToString());
    }
}
