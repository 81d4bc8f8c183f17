using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;

namespace CrystalTransformer.Reproduce;

/// <summary>One finished cell as the results store keeps it. <see cref="PredictionsCsv"/> is the run's test_predictions.csv.</summary>
public sealed record RunRecord
{
    public required string ConfigHash { get; init; }
    public required CellConfiguration Configuration { get; init; }
    public GridCell Cell => Configuration.Cell;
    /// <summary>Training crystals actually used (the whole split when the cell asks for all).</summary>
    public required int TrainCount { get; init; }
    public required double Mae { get; init; }
    public required double Rmse { get; init; }
    public required double R2 { get; init; }
    public required int TestCount { get; init; }
    /// <summary>MAE of the cell's target on the validation part at the best epoch (the model that is tested); NaN when
    /// not recorded (stores of schema version 1). The report picks fine-tuning variants by it, never by test MAE.</summary>
    public double ValidationMae { get; init; } = double.NaN;
    public required int EpochsRun { get; init; }
    public required int BestEpoch { get; init; }
    /// <summary>Seconds spent in the training loop (all sessions of the run; from metrics.json).</summary>
    public required double Seconds { get; init; }
    /// <summary>Wall-clock seconds of the cell in the session that finished it (data loading, featurisation, training, testing).</summary>
    public required double WallSeconds { get; init; }
    public required string RunDirectory { get; init; }
    public required string DataHash { get; init; }
    public required string ConfigJson { get; init; }
    public required string EnvironmentJson { get; init; }
    public required string PredictionsCsv { get; init; }
    public required string FinishedUtc { get; init; }
    /// <summary>The store the record was first written to (differs from the current one after --merge).</summary>
    public required string Origin { get; init; }
}

/// <summary>A cell that failed, kept so the report can say so; cleared when the cell later finishes.</summary>
public sealed record FailureRecord(string ConfigHash, GridCell Cell, string Message, string TimeUtc);

/// <summary>
/// The reproduction's results: one SQLite file (OUT/results.db) with a row per finished cell keyed by its configuration
/// hash, the failed cells, and key/value notes (ct-UAE and data provenance). Each write is its own transaction, so a
/// killed run leaves every finished cell recorded. The file is in WAL mode and writers wait for each other (busy
/// timeout), so several processes (<c>--jobs</c>) can record into one store.
/// <para>Schema version 2 adds <c>validation_mae</c> to runs; a version-1 store is migrated in place when opened (its
/// rows get NULL there).</para>
/// </summary>
public sealed class ResultsStore : IDisposable
{
    public const string FileName = "results.db";
    public const int SchemaVersion = 2;
    /// <summary>How long a writer waits for another process's write to finish before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromMinutes(5);

    private static readonly string[] RunColumns =
    [
        "config_hash", "configuration", "model", "embedding", "mode", "dataset", "target", "train_size_requested", "seed", "epochs_requested",
        "train_size", "mae", "rmse", "r2", "test_count", "epochs", "best_epoch", "seconds", "wall_seconds", "run_dir", "data_hash", "config_json",
        "environment_json", "predictions", "finished_utc", "origin", "validation_mae",
    ];

    private readonly SqliteConnection _db;
    public string Path { get; }

    private ResultsStore(string path, SqliteConnection db) { Path = path; _db = db; }

    /// <summary>Opens (creating when absent) the store at <paramref name="path"/>.</summary>
    public static ResultsStore Open(string path)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = false, DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString());
        try
        {
            db.Open();
            var store = new ResultsStore(path, db);
            store.Execute($"PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds};");
            store.Execute("PRAGMA journal_mode=WAL;");
            store.Execute("PRAGMA synchronous=FULL;");
            // One immediate transaction: two processes opening a new store at once cannot both write a schema row.
            using var tx = db.BeginTransaction();
            store.Execute("""
                CREATE TABLE IF NOT EXISTS runs(
                  config_hash TEXT PRIMARY KEY, configuration TEXT NOT NULL,
                  model TEXT NOT NULL, embedding TEXT NOT NULL, mode TEXT NOT NULL, dataset TEXT NOT NULL, target TEXT NOT NULL,
                  train_size_requested INTEGER, seed INTEGER NOT NULL, epochs_requested INTEGER NOT NULL,
                  train_size INTEGER NOT NULL, mae REAL, rmse REAL, r2 REAL, test_count INTEGER NOT NULL,
                  epochs INTEGER NOT NULL, best_epoch INTEGER NOT NULL, seconds REAL NOT NULL, wall_seconds REAL NOT NULL,
                  run_dir TEXT NOT NULL, data_hash TEXT NOT NULL, config_json TEXT NOT NULL, environment_json TEXT NOT NULL,
                  predictions BLOB NOT NULL, finished_utc TEXT NOT NULL, origin TEXT NOT NULL, validation_mae REAL);
                CREATE TABLE IF NOT EXISTS failures(config_hash TEXT PRIMARY KEY, configuration TEXT NOT NULL, message TEXT NOT NULL, time_utc TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS notes(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS schema(version INTEGER NOT NULL);
                """, tx);
            long? version = store.Scalar("SELECT version FROM schema LIMIT 1", tx) as long?;
            if (version is null) store.Execute($"INSERT INTO schema(version) VALUES ({SchemaVersion});", tx);
            else if (version == 1)
            {
                // Version 1 lacks the validation MAE: add the column (NULL for the old rows).
                store.Execute("ALTER TABLE runs ADD COLUMN validation_mae REAL;", tx);
                store.Execute($"UPDATE schema SET version = {SchemaVersion};", tx);
            }
            else if (version != SchemaVersion)
                throw new Structures.InputError($"results store has schema version {version}, this build reads versions 1 and {SchemaVersion}", path);
            tx.Commit();
            return store;
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new Structures.InputError($"not a readable results store: {e.Message}", path);
        }
    }

    public bool IsFinished(string configHash) =>
        Scalar("SELECT 1 FROM runs WHERE config_hash = $h", ("$h", configHash)) is not null;

    public int Count => Convert.ToInt32(Scalar("SELECT COUNT(*) FROM runs"), CultureInfo.InvariantCulture);

    /// <summary>Records a finished cell (replacing an earlier record of the same hash) and clears its failure.</summary>
    public void Record(RunRecord r)
    {
        using var tx = _db.BeginTransaction();
        Insert(r, replace: true, tx);
        Command("DELETE FROM failures WHERE config_hash = $h", tx, ("$h", r.ConfigHash)).ExecuteNonQuery();
        tx.Commit();
    }

    private bool Insert(RunRecord r, bool replace, SqliteTransaction tx)
    {
        var c = r.Cell;
        return Command($"""
            INSERT OR {(replace ? "REPLACE" : "IGNORE")} INTO runs({string.Join(", ", RunColumns)}) VALUES($hash, $configuration, $model, $embedding, $mode, $dataset, $target,
              $size_req, $seed, $epochs_req, $size, $mae, $rmse, $r2, $test_count, $epochs, $best, $seconds, $wall, $run_dir, $data_hash,
              $config_json, $environment_json, $predictions, $finished, $origin, $validation_mae)
            """, tx,
            ("$hash", r.ConfigHash), ("$configuration", r.Configuration.ToString()), ("$model", c.Model), ("$embedding", c.Embedding),
            ("$mode", c.Mode), ("$dataset", c.Dataset), ("$target", c.Target), ("$size_req", c.TrainSize), ("$seed", c.Seed),
            ("$epochs_req", r.Configuration.Epochs), ("$size", r.TrainCount), ("$mae", r.Mae), ("$rmse", r.Rmse), ("$r2", r.R2),
            ("$test_count", r.TestCount), ("$epochs", r.EpochsRun), ("$best", r.BestEpoch), ("$seconds", r.Seconds), ("$wall", r.WallSeconds),
            ("$run_dir", r.RunDirectory), ("$data_hash", r.DataHash), ("$config_json", r.ConfigJson), ("$environment_json", r.EnvironmentJson),
            ("$predictions", Gzip(r.PredictionsCsv)), ("$finished", r.FinishedUtc), ("$origin", r.Origin), ("$validation_mae", r.ValidationMae)).ExecuteNonQuery() == 1;
    }

    public void RecordFailure(FailureRecord f)
    {
        using var tx = _db.BeginTransaction();
        Command("INSERT OR REPLACE INTO failures VALUES($h, $c, $m, $t)", tx,
            ("$h", f.ConfigHash), ("$c", f.Cell.ToJson().ToJsonString()), ("$m", f.Message), ("$t", f.TimeUtc)).ExecuteNonQuery();
        tx.Commit();
    }

    public IReadOnlyList<RunRecord> Runs()
    {
        using var cmd = Command($"SELECT {string.Join(", ", RunColumns)} FROM runs ORDER BY dataset, target, model, train_size, embedding, mode, seed, config_hash", null);
        using var reader = cmd.ExecuteReader();
        var list = new List<RunRecord>();
        while (reader.Read())
        {
            double Real(string col) => reader.IsDBNull(reader.GetOrdinal(col)) ? double.NaN : reader.GetDouble(reader.GetOrdinal(col));
            string Text(string col) => reader.GetString(reader.GetOrdinal(col));
            int Int(string col) => reader.GetInt32(reader.GetOrdinal(col));
            list.Add(new RunRecord
            {
                ConfigHash = Text("config_hash"),
                Configuration = CellConfiguration.FromJson(System.Text.Json.Nodes.JsonNode.Parse(Text("configuration"))!),
                TrainCount = Int("train_size"), Mae = Real("mae"), Rmse = Real("rmse"), R2 = Real("r2"), TestCount = Int("test_count"),
                EpochsRun = Int("epochs"), BestEpoch = Int("best_epoch"), Seconds = Real("seconds"), WallSeconds = Real("wall_seconds"), RunDirectory = Text("run_dir"),
                DataHash = Text("data_hash"), ConfigJson = Text("config_json"), EnvironmentJson = Text("environment_json"),
                PredictionsCsv = Gunzip((byte[])reader["predictions"]), FinishedUtc = Text("finished_utc"), Origin = Text("origin"),
                ValidationMae = Real("validation_mae"),
            });
        }
        return list;
    }

    /// <summary>A finished cell without its files: what progress displays need, read cheaply while workers record.</summary>
    public sealed record FinishedCell(string ConfigHash, GridCell Cell, double Mae, double R2, double WallSeconds);

    public IReadOnlyList<FinishedCell> FinishedCells()
    {
        using var cmd = Command("SELECT config_hash, configuration, mae, r2, wall_seconds FROM runs", null);
        using var reader = cmd.ExecuteReader();
        var list = new List<FinishedCell>();
        while (reader.Read())
            list.Add(new FinishedCell(reader.GetString(0), CellConfiguration.FromJson(System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(1))!).Cell,
                reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2), reader.IsDBNull(3) ? double.NaN : reader.GetDouble(3), reader.GetDouble(4)));
        return list;
    }

    public IReadOnlyList<FailureRecord> Failures()
    {
        using var cmd = Command("SELECT config_hash, configuration, message, time_utc FROM failures ORDER BY configuration", null);
        using var reader = cmd.ExecuteReader();
        var list = new List<FailureRecord>();
        while (reader.Read())
            list.Add(new FailureRecord(reader.GetString(0), GridCell.FromJson(System.Text.Json.Nodes.JsonNode.Parse(reader.GetString(1))!),
                reader.GetString(2), reader.GetString(3)));
        return list;
    }

    public void SetNote(string key, string value)
    {
        using var tx = _db.BeginTransaction();
        Command("INSERT OR REPLACE INTO notes VALUES($k, $v)", tx, ("$k", key), ("$v", value)).ExecuteNonQuery();
        tx.Commit();
    }

    public IReadOnlyDictionary<string, string> Notes()
    {
        using var cmd = Command("SELECT key, value FROM notes ORDER BY key", null);
        using var reader = cmd.ExecuteReader();
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) d[reader.GetString(0)] = reader.GetString(1);
        return d;
    }

    /// <summary>
    /// Copies another store's finished cells (a hash already present is kept as it is: the same configuration gives the
    /// same numbers), its failures of cells not finished anywhere, and its notes not yet present. Returns (added, already present).
    /// </summary>
    public (int Added, int Present) MergeFrom(ResultsStore other)
    {
        int added = 0, present = 0;
        using var tx = _db.BeginTransaction();
        foreach (var r in other.Runs())
        {
            if (Insert(r, replace: false, tx)) added++; else present++;
            Command("DELETE FROM failures WHERE config_hash = $h", tx, ("$h", r.ConfigHash)).ExecuteNonQuery();
        }
        foreach (var f in other.Failures())
            if (Scalar("SELECT 1 FROM runs WHERE config_hash = $h", tx, ("$h", f.ConfigHash)) is null)
                Command("INSERT OR IGNORE INTO failures VALUES($h, $c, $m, $t)", tx,
                    ("$h", f.ConfigHash), ("$c", f.Cell.ToJson().ToJsonString()), ("$m", f.Message), ("$t", f.TimeUtc)).ExecuteNonQuery();
        foreach (var (k, v) in other.Notes())
            Command("INSERT OR IGNORE INTO notes VALUES($k, $v)", tx, ("$k", k), ("$v", v)).ExecuteNonQuery();
        tx.Commit();
        return (added, present);
    }

    private void Execute(string sql, SqliteTransaction? tx = null) { using var c = Command(sql, tx); c.ExecuteNonQuery(); }

    private object? Scalar(string sql, params (string, object?)[] parameters) => Scalar(sql, null, parameters);

    private object? Scalar(string sql, SqliteTransaction? tx, params (string, object?)[] parameters)
    {
        using var c = Command(sql, tx, parameters);
        return c.ExecuteScalar();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        var c = _db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        foreach (var (name, value) in parameters)
            c.Parameters.AddWithValue(name, value switch { null => DBNull.Value, double d when double.IsNaN(d) => DBNull.Value, _ => value });
        return c;
    }

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal)) gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private static string Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose() => _db.Dispose();
}
