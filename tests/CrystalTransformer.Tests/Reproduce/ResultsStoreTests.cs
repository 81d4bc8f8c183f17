using CrystalTransformer.Reproduce;
using CrystalTransformer.Tests.Training;
using Microsoft.Data.Sqlite;

namespace CrystalTransformer.Tests.Reproduce;

public class ResultsStoreTests
{
    internal static RunRecord Record(GridCell cell, double mae, double validationMae = double.NaN, string predictions = "id,t,t_predicted\n")
    {
        var config = new CellConfiguration(cell, "test", 3, null, "table", "data");
        return new RunRecord
        {
            ConfigHash = config.Hash, Configuration = config, TrainCount = cell.TrainSize ?? 500, Mae = mae, Rmse = 1.3 * mae, R2 = 0.9,
            TestCount = 10, ValidationMae = validationMae, EpochsRun = 3, BestEpoch = 2, Seconds = 1, WallSeconds = 1.5, RunDirectory = "/runs/x",
            DataHash = "abc", ConfigJson = "{}", EnvironmentJson = "{}", PredictionsCsv = predictions, FinishedUtc = "2026-01-01T00:00:00Z", Origin = "/x.db",
        };
    }

    private static GridCell Cell(int seed, string embedding = "cgcnn92") =>
        new("cgcnn", embedding, GridCell.Frozen, Profiles.Perov5, Profiles.HeatRef, 100, seed);

    [Fact]
    public void ValidationMaeIsKeptAndMissingValuesReadAsNaN()
    {
        string path = Path.Combine(TinyData.TempDir(), ResultsStore.FileName);
        using var store = ResultsStore.Open(path);
        store.Record(Record(Cell(0), 0.1, 0.12));
        store.Record(Record(Cell(1), 0.2));
        var runs = store.Runs().OrderBy(r => r.Cell.Seed).ToArray();
        Assert.Equal(0.12, runs[0].ValidationMae);
        Assert.True(double.IsNaN(runs[1].ValidationMae));
    }

    [Fact]
    public void AVersion1StoreIsMigratedInPlaceWithNullValidationMae()
    {
        string path = Path.Combine(TinyData.TempDir(), ResultsStore.FileName);
        using (var store = ResultsStore.Open(path)) store.Record(Record(Cell(0), 0.1, 0.12));
        // Turn it into the version-1 layout: no validation_mae column.
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "ALTER TABLE runs DROP COLUMN validation_mae; UPDATE schema SET version = 1;";
            cmd.ExecuteNonQuery();
        }
        using (var store = ResultsStore.Open(path))
        {
            var old = Assert.Single(store.Runs());
            Assert.Equal(0.1, old.Mae);
            Assert.True(double.IsNaN(old.ValidationMae));
            store.Record(Record(Cell(1), 0.2, 0.25));
            Assert.Equal(0.25, store.Runs().Single(r => r.Cell.Seed == 1).ValidationMae);
        }
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT version FROM schema";
            Assert.Equal(ResultsStore.SchemaVersion, Convert.ToInt32(cmd.ExecuteScalar()));
            cmd.CommandText = "SELECT COUNT(*) FROM schema";
            Assert.Equal(1, Convert.ToInt32(cmd.ExecuteScalar()));
        }
    }

    [Fact]
    public void AStoreOfAnotherVersionIsRefused()
    {
        string path = Path.Combine(TinyData.TempDir(), ResultsStore.FileName);
        using (ResultsStore.Open(path)) { }
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE schema SET version = 9";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<CrystalTransformer.Structures.InputError>(() => ResultsStore.Open(path));
        Assert.Contains("schema version 9", e.Message);
    }

    [Fact]
    public void TwoStoresWritingConcurrentlyInWalModeKeepEveryRecord()
    {
        string path = Path.Combine(TinyData.TempDir(), ResultsStore.FileName);
        const int each = 60;
        using var start = new Barrier(2);
        void Writer(int worker)
        {
            using var store = ResultsStore.Open(path);
            start.SignalAndWait();
            for (int k = 0; k < each; k++)
            {
                var cell = Cell(worker * 1000 + k, worker == 0 ? "cgcnn92" : "onehot");
                store.Record(Record(cell, 0.1 + k * 1e-3, 0.2));
                store.SetNote($"worker{worker}:{k}", "x");
                if (k % 7 == 0) store.RecordFailure(new FailureRecord("f" + worker + k, cell, "boom", "now"));
            }
        }
        var threads = new[] { new Thread(() => Writer(0)), new Thread(() => Writer(1)) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.True(File.Exists(path + "-wal") || new FileInfo(path).Length > 0);
        using var check = ResultsStore.Open(path);
        Assert.Equal(2 * each, check.Count);
        Assert.Equal(2 * each, check.Runs().Select(r => r.ConfigHash).Distinct().Count());
        Assert.Equal(2 * each, check.Notes().Keys.Count(k => k.StartsWith("worker")));
        Assert.Equal(2 * ((each + 6) / 7), check.Failures().Count);
    }

    [Fact]
    public void TwoProcessesOpeningANewStoreAtOnceWriteOneSchemaRow()
    {
        string path = Path.Combine(TinyData.TempDir(), ResultsStore.FileName);
        Parallel.For(0, 4, _ => { using var s = ResultsStore.Open(path); });
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM schema";
        Assert.Equal(1, Convert.ToInt32(cmd.ExecuteScalar()));
    }
}
