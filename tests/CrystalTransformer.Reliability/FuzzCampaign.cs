using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.IO.ElementTables;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Models.Uae;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;
using Microsoft.Data.Sqlite;
using static TorchSharp.torch;

namespace CrystalTransformer.Reliability;

public enum FuzzOutcome { Accepted, Refused, Crash, Hang }

public sealed record FuzzOptions
{
    public int Cases { get; init; } = 1000;
    public int Seed { get; init; } = 20251126;
    /// <summary>Number of the first case (to replay case N: First = N, Cases = 1).</summary>
    public int First { get; init; }
    /// <summary>A case that takes longer is a hang.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>PyTorch checkpoints to mutate (<c>ct embed --checkpoint</c>); none skips that target.</summary>
    public IReadOnlyList<string> Checkpoints { get; init; } = [];
    /// <summary>One line every this many cases (0: none).</summary>
    public int ProgressEvery { get; init; }
    public Action<string>? Progress { get; init; }
}

/// <summary>What a campaign found: outcomes per target and mutation, and the first failures with their case numbers.</summary>
public sealed class FuzzReport
{
    public int Cases { get; set; }
    public int Seed { get; init; }
    public double Seconds { get; set; }
    public SortedDictionary<string, int[]> ByTarget { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, int[]> ByMutation { get; } = new(StringComparer.Ordinal);
    public List<string> Failures { get; } = [];
    /// <summary>A sample of refusals (target, one-line reason), to show what a refused input is told.</summary>
    public List<string> SampleReasons { get; } = [];

    public int Count(FuzzOutcome o) => ByTarget.Values.Sum(v => v[(int)o]);

    public string Summary()
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{Cases:N0} inputs in {Seconds:0} s (seed {Seed}): {Count(FuzzOutcome.Accepted):N0} accepted, {Count(FuzzOutcome.Refused):N0} refused with a one-line reason, {Count(FuzzOutcome.Crash)} crashes, {Count(FuzzOutcome.Hang)} hangs"));
        sb.AppendLine($"  {"target",-22} {"accepted",9} {"refused",9} {"crashes",8} {"hangs",6}");
        foreach (var (k, v) in ByTarget) sb.AppendLine($"  {k,-22} {v[0],9:N0} {v[1],9:N0} {v[2],8} {v[3],6}");
        foreach (var f in Failures) sb.AppendLine("  FAILURE " + f);
        return sb.ToString();
    }
}

/// <summary>
/// Seeded mutation fuzzing of every reader (CIF, POSCAR, extxyz, CSV with a cif column, pymatgen JSON, ASE database), of the whole prediction path
/// (a mutated structure file read, checked, turned into a graph and through CGCNN, MEGNet and ALIGNN networks), of model
/// files, element-table files and PyTorch checkpoints. Each input must be accepted or refused with a one-line
/// <see cref="InputError"/> naming its file (for prediction: an error row); anything else is a crash, and a case taking
/// longer than <see cref="FuzzOptions.Timeout"/> a hang. A failure names its case number: the same seed and number
/// replay it.
/// </summary>
public sealed class FuzzCampaign : IDisposable
{
    /// <summary>A good input: text, or the bytes of a binary format (an ASE database) mutated as bytes.</summary>
    private sealed record Sample(string Name, string Format, string Text, byte[]? Bytes = null);

    private readonly FuzzOptions _o;
    private readonly string _dir;
    private readonly List<Sample> _samples;
    private readonly List<(string Path, TrainableModel Model, ModelInfo Info)> _models = [];
    private readonly List<(string Name, string Text)> _tables = [];
    private readonly string _uaeFolder;
    private readonly string _goodFile;

    // Targets in proportion: every reader, the prediction path most, then model, table and checkpoint files.
    private static readonly (string Target, int Weight)[] Targets =
    [
        ("read:cif", 3), ("read:poscar", 3), ("read:extxyz", 2), ("read:csv", 1), ("read:json", 1), ("read:ase-db", 1), ("predict", 6), ("model-file", 2), ("table-file", 2), ("checkpoint", 1),
    ];

    public FuzzCampaign(FuzzOptions options)
    {
        _o = options;
        _dir = Directory.CreateTempSubdirectory("ct-fuzz-").FullName;
        _samples = LoadSamples();
        set_num_threads(1);
        var onehot = ElementTable.OneHot();
        foreach (var (kind, arch) in Architectures())
        {
            manual_seed(7);
            var table = ElementTableConfig.From(new ResolvedElementTable(onehot, [], MissingElementPolicy.Error), ElementTableTraining.Frozen);
            GraphModel model = kind switch
            {
                CgcnnModel.KindName => new CgcnnModel(ConfigJson.With(new CgcnnConfig { ElementTable = table }, arch, kind), 1),
                MegnetModel.KindName => new MegnetModel(ConfigJson.With(new MegnetConfig { ElementTable = table }, arch, kind), 1),
                _ => new AlignnModel(ConfigJson.With(new AlignnConfig { ElementTable = table }, arch, kind), 1),
            };
            model.LoadElementTable(onehot);
            string path = Path.Combine(_dir, $"{kind}.ct");
            ModelFile.Save(path, model, new ModelInfo { Kind = kind, Config = model.Config, Targets = ["y"], TargetMean = [0], TargetStd = [1] });
            model.Dispose();
            var (loaded, info) = Prediction.LoadModel(path);
            _models.Add((path, loaded, info));
        }
        _tables.Add(("cgcnn92.csv", TextFiles.ReadAllText(BuiltInData.PathOf("embeddings", "cgcnn92.csv.gz"))));
        _tables.Add(("megnet16.csv", TextFiles.ReadAllText(BuiltInData.PathOf("embeddings", "megnet16.csv.gz"))));
        _tables.Add(("atom_init.json", TextFiles.ReadAllText(BuiltInData.PathOf("embeddings", "cgcnn92.json.gz"))));
        _uaeFolder = BuiltInData.PathOf("uae", "ct-uae-mp");
        _goodFile = Path.Combine(_dir, "good.cif");
        File.WriteAllText(_goodFile, _samples.First(s => s.Format == "cif").Text);
    }

    private static IEnumerable<(string Kind, JsonObject Architecture)> Architectures() =>
    [
        (CgcnnModel.KindName, new() { ["atom_features"] = 8, ["convolutions"] = 2, ["hidden_features"] = 16 }),
        (MegnetModel.KindName, new() { ["n1"] = 8, ["n2"] = 8, ["n3"] = 4, ["blocks"] = 2, ["gaussian_count"] = 20 }),
        (AlignnModel.KindName, new() { ["hidden_features"] = 8, ["embedding_features"] = 8, ["alignn_layers"] = 1, ["gcn_layers"] = 1, ["edge_input_features"] = 10, ["triplet_input_features"] = 8 }),
    ];

    /// <summary>Real files of each format: the sample folders, perov5 CIFs, NOMAD frames, a CSV with a cif column.</summary>
    private static List<Sample> LoadSamples()
    {
        var samples = new List<Sample>();
        foreach (var f in Directory.GetFiles(BuiltInData.PathOf("samples", "alignn_poscar"), "*.vasp").Order(StringComparer.Ordinal))
            samples.Add(new Sample(Path.GetFileName(f), "poscar", File.ReadAllText(f)));
        foreach (var f in Directory.GetFiles(BuiltInData.PathOf("samples", "cgcnn_cif"), "*.cif").Order(StringComparer.Ordinal))
            samples.Add(new Sample(Path.GetFileName(f), "cif", File.ReadAllText(f)));
        var perov5 = StructureIO.ReadLazy(BuiltInData.PathOf("perov5", "perov5.csv.gz")).Take(20).ToList();
        foreach (var s in perov5) samples.Add(new Sample($"perov5-{s.Id}.cif", "cif", Write("cif", [s])));
        var nomad = StructureIO.ReadLazy(BuiltInData.PathOf("nomad2018", "train.extxyz.gz")).Take(300).ToList();
        for (int k = 0; k < 10; k++)
            samples.Add(new Sample($"nomad{k}.extxyz", "extxyz", Write("extxyz", Enumerable.Range(0, 3).Select(j => nomad[(k * 3 + j) * 7 % nomad.Count]).ToArray())));
        // pymatgen JSON (a structure, a list, an id → record map) and an ASE database, from the readers' reference fixtures.
        string userFormats = Path.Combine(AppContext.BaseDirectory, "fuzz-samples");
        foreach (var name in new[] { "structure.json", "structures.json", "records.json" })
            samples.Add(new Sample(name, "json", File.ReadAllText(Path.Combine(userFormats, name))));
        samples.Add(new Sample("structures.db", "ase-db", "", AseDatabaseOfCrystals(Path.Combine(userFormats, "structures.db"))));
        for (int k = 0; k < 3; k++)
            samples.Add(new Sample($"rows{k}.csv", "csv", Write("csv", perov5.Skip(k * 5).Take(5).Select(s => s.WithLabels(new Dictionary<string, double> { ["y"] = 1.5 })).ToArray())));
        return samples;
    }

    /// <summary>The fixture database without its molecule row (kept there to test refusal), so unmutated it reads.</summary>
    private static byte[] AseDatabaseOfCrystals(string fixture)
    {
        string copy = Path.Combine(Directory.CreateTempSubdirectory("ct-fuzz-db-").FullName, "crystals.db");
        File.Copy(fixture, copy);
        using (var db = new SqliteConnection($"Data Source={copy};Pooling=False"))
        {
            db.Open();
            using var delete = db.CreateCommand();
            delete.CommandText = string.Join(' ', new[] { "species", "keys", "text_key_values", "number_key_values" }
                .Select(t => $"DELETE FROM {t} WHERE id IN (SELECT id FROM systems WHERE pbc = 0);")) + " DELETE FROM systems WHERE pbc = 0; VACUUM;";
            delete.ExecuteNonQuery();
        }
        var bytes = File.ReadAllBytes(copy);
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        return bytes;
    }

    private static string Write(string format, IReadOnlyList<Structure> structures)
    {
        var sw = new StringWriter();
        StructureIO.GetFormat(format).Write(sw, structures);
        return sw.ToString();
    }

    public FuzzReport Run()
    {
        var report = new FuzzReport { Seed = _o.Seed };
        var clock = Stopwatch.StartNew();
        int totalWeight = Targets.Sum(t => t.Weight);
        for (int i = _o.First; i < _o.First + _o.Cases; i++)
        {
            // Each case draws from its own generator, so a case replays from (seed, number) alone (FuzzOptions.First).
            var caseRng = new Random(unchecked(_o.Seed * 1_000_003 + i));
            int pick = caseRng.Next(totalWeight);
            string target = Targets.First(t => (pick -= t.Weight) < 0).Target;
            if (target == "checkpoint" && _o.Checkpoints.Count == 0) target = "predict";
            string caseDir = Path.Combine(_dir, $"case{i}");
            Directory.CreateDirectory(caseDir);
            string mutation = "?";
            FuzzOutcome outcome;
            string? detail = null;
            var task = Task.Run(() => RunCase(target, caseRng, caseDir, out mutation));
            try
            {
                if (!task.Wait(_o.Timeout)) { outcome = FuzzOutcome.Hang; detail = $"no result within {_o.Timeout.TotalSeconds:0} s"; }
                else (outcome, detail) = task.Result;
            }
            catch (AggregateException ae)
            {
                var e = ae.InnerException!;
                outcome = FuzzOutcome.Crash;
                detail = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
            }
            Count(report.ByTarget, target, outcome);
            Count(report.ByMutation, $"{target} {mutation.Split(':')[0]}", outcome);
            if (outcome is FuzzOutcome.Crash or FuzzOutcome.Hang && report.Failures.Count < 50)
                report.Failures.Add($"case {i} ({target}, {mutation}): {outcome}: {detail}");
            else if (outcome == FuzzOutcome.Refused && detail is not null && report.SampleReasons.Count < 40 && caseRng.Next(20) == 0)
                report.SampleReasons.Add($"{target}: {detail}");
            if (outcome != FuzzOutcome.Hang)
                try { Directory.Delete(caseDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            report.Cases = i + 1 - _o.First;
            if (_o.ProgressEvery > 0 && (i + 1) % _o.ProgressEvery == 0)
                _o.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"{i + 1:N0} inputs, {clock.Elapsed.TotalMinutes:0.0} min: {report.Count(FuzzOutcome.Crash)} crashes, {report.Count(FuzzOutcome.Hang)} hangs"));
        }
        report.Seconds = clock.Elapsed.TotalSeconds;
        return report;
    }

    private static void Count(SortedDictionary<string, int[]> d, string key, FuzzOutcome o) =>
        (d.TryGetValue(key, out var v) ? v : d[key] = new int[4])[(int)o]++;

    private (FuzzOutcome, string?) RunCase(string target, Random rng, string dir, out string mutation)
    {
        switch (target)
        {
            case "predict":
            {
                var sample = _samples[rng.Next(_samples.Count)];
                var (path, how) = StructureFile(sample, rng, dir);
                mutation = how;
                var (model, info) = Model(rng);
                return PredictOutcome(model, info, path);
            }
            case "model-file":
            {
                var (original, _, _) = _models[rng.Next(_models.Count)];
                var bytes = File.ReadAllBytes(original);
                (mutation, bytes) = rng.Next(2) == 0 ? Mutations.MutateBytes(bytes, rng) : Mutations.MutateZipEntry(bytes, rng);
                string path = Path.Combine(dir, "model.ct");
                File.WriteAllBytes(path, bytes);
                (TrainableModel Model, ModelInfo Info) loaded;
                try { loaded = Prediction.LoadModel(path); }
                catch (InputError e) { return Refusal(e, path); }
                using (loaded.Model) return PredictOutcome(loaded.Model, loaded.Info, _goodFile);
            }
            case "table-file":
            {
                string path;
                if (rng.Next(3) == 0)
                {
                    // A copy of a ct-UAE folder with one of its files mutated (its SHA256SUMS stays, or is mutated itself).
                    path = Path.Combine(dir, "uae");
                    Directory.CreateDirectory(path);
                    foreach (var f in Directory.GetFiles(_uaeFolder)) File.Copy(f, Path.Combine(path, Path.GetFileName(f)));
                    var files = new[] { "uae.csv", "atom_init.json", "untrained.txt", ContentChecksums.FolderFile };
                    string victim = Path.Combine(path, files[rng.Next(files.Length)]);
                    mutation = $"{Path.GetFileName(victim)}:(mutating)";
                    var (m, text) = Mutations.Mutate(File.ReadAllText(victim), rng);
                    mutation = $"{Path.GetFileName(victim)}:{m}";
                    File.WriteAllText(victim, text);
                    if (rng.Next(2) == 0) File.Delete(Path.Combine(path, ContentChecksums.FolderFile)); // as an unchecked copy
                }
                else
                {
                    var (name, original) = _tables[rng.Next(_tables.Count)];
                    mutation = $"{name}:(mutating)";
                    var (m, text) = Mutations.Mutate(original, rng);
                    var (encoding, bytes) = Mutations.Encode(text, rng);
                    mutation = $"{name}:{m}:{encoding}";
                    path = Path.Combine(dir, name + (rng.Next(4) == 0 ? ".gz" : ""));
                    File.WriteAllBytes(path, path.EndsWith(".gz", StringComparison.Ordinal) ? Mutations.Gzip(bytes) : bytes);
                }
                try
                {
                    var table = ElementTableIO.Load(path);
                    if (table.Trained.Count > 0) _ = table.Standardized();
                    return (FuzzOutcome.Accepted, null);
                }
                catch (InputError e) { return Refusal(e, path); }
            }
            case "checkpoint":
            {
                var bytes = File.ReadAllBytes(_o.Checkpoints[rng.Next(_o.Checkpoints.Count)]);
                bool zip = bytes.Length > 2 && bytes[0] == 'P' && bytes[1] == 'K';
                (mutation, bytes) = zip && rng.Next(2) == 0 ? Mutations.MutateZipEntry(bytes, rng) : Mutations.MutateBytes(bytes, rng);
                string path = Path.Combine(dir, "checkpoint.pth.tar");
                File.WriteAllBytes(path, bytes);
                try
                {
                    _ = UaeExtraction.FromTorchCheckpoint(path);
                    return (FuzzOutcome.Accepted, null);
                }
                catch (InputError e) { return Refusal(e, path); }
            }
            default:
            {
                string format = target["read:".Length..];
                var candidates = _samples.Where(s => s.Format == format).ToList();
                var sample = candidates[rng.Next(candidates.Count)];
                var (path, how) = StructureFile(sample, rng, dir);
                mutation = how;
                try
                {
                    foreach (var s in StructureIO.Read(path)) _ = s.Composition.Formula;
                    return (FuzzOutcome.Accepted, null);
                }
                catch (InputError e) { return Refusal(e, path); }
            }
        }
    }

    private (TrainableModel, ModelInfo) Model(Random rng)
    {
        var m = _models[rng.Next(_models.Count)];
        return (m.Model, m.Info);
    }

    /// <summary>An input error is a refusal when its message is one line naming the file; otherwise the campaign fails.</summary>
    private static (FuzzOutcome, string?) Refusal(InputError e, string path)
    {
        if (e.Message.Contains('\n') || e.Message.Contains('\r')) return (FuzzOutcome.Crash, "multi-line message: " + e.Message.ReplaceLineEndings("⏎"));
        if (!e.Message.Contains(path, StringComparison.Ordinal) && !e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal))
            return (FuzzOutcome.Crash, "message does not name the file: " + e.Message);
        return (FuzzOutcome.Refused, e.Message);
    }

    /// <summary>Predicts one file: every row must hold numbers or a one-line reason; an internal error or an escape is a crash.</summary>
    private static (FuzzOutcome, string?) PredictOutcome(TrainableModel model, ModelInfo info, string path)
    {
        var rows = new List<PredictionRow>();
        Prediction.Run(model, info, [path], rows.Add, threads: 1, batchSize: 16);
        if (rows.Count == 0) return (FuzzOutcome.Crash, "no row for the file");
        foreach (var r in rows)
        {
            if (r.Error.Length == 0 && (r.Values is null || !r.Values.All(double.IsFinite)))
                return (FuzzOutcome.Crash, $"row {r.Id}: neither finite values nor an error");
            if (r.Error.Contains("internal error", StringComparison.Ordinal)) return (FuzzOutcome.Crash, $"row {r.Id}: {r.Error}");
            if (r.Error.Contains('\n') || r.Error.Contains('\r')) return (FuzzOutcome.Crash, $"row {r.Id}: multi-line error");
        }
        var refused = rows.FirstOrDefault(r => r.Error.Length > 0);
        return refused is null ? (FuzzOutcome.Accepted, null) : (FuzzOutcome.Refused, refused.Error);
    }

    /// <summary>Writes a mutated sample under a name that makes StructureIO detect the format one way or another.</summary>
    private static (string Path, string How) StructureFile(Sample sample, Random rng, string dir)
    {
        string ext = sample.Format switch { "poscar" => ".vasp", "extxyz" => ".extxyz", "csv" => ".csv", "json" => ".json", "ase-db" => ".db", _ => ".cif" };
        string how;
        byte[] bytes;
        if (sample.Bytes is not null)
            (how, bytes) = Mutations.MutateBytes(sample.Bytes, rng);
        else
        {
            var (mutation, text) = Mutations.Mutate(sample.Text, rng);
            string encoding;
            (encoding, bytes) = Mutations.Encode(text, rng);
            how = $"{mutation}:{encoding}";
        }
        string Write(string name, byte[] content)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllBytes(path, content);
            return path;
        }
        switch (rng.Next(6))
        {
            case 0: return (Write($"in{ext}.gz", Mutations.Gzip(bytes)), how + ":gzip");
            case 1:
                var gz = Mutations.Gzip(bytes);
                for (int n = rng.Next(1, 6); n > 0 && gz.Length > 0; n--) gz[rng.Next(gz.Length)] ^= (byte)(1 << rng.Next(8));
                return (Write($"in{ext}.gz", gz), how + ":corrupt-gzip");
            case 2 when sample.Format is not ("csv" or "json"): return (Write(sample.Format == "poscar" ? "CONTCAR" : "in.dat", bytes), how + ":sniffed");
            default: return (Write($"in{ext}", bytes), how);
        }
    }

    public void Dispose()
    {
        foreach (var (_, model, _) in _models) model.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
