using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.IO;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>One predicted structure: its id, the predictions (in the targets' units) or why there are none.</summary>
public sealed record PredictionRow(string Id, string File, double[]? Values, string Error);

/// <summary>
/// A formula to predict with a composition model: its id, where it came from (a CSV file, or null for a formula given
/// directly), the 1-based line in that file, and the formula text as written.
/// </summary>
public sealed record FormulaInput(string Id, string? File, int? Line, string Formula)
{
    /// <summary>Set when the input itself could not be read (e.g. a CSV without a formula column): the row carries this error.</summary>
    public string? Error { get; init; }
}

/// <summary>A model shipped with the program (models/NAME/model.ct plus its metrics and run description).</summary>
public sealed record ShippedModel(string Name, string Directory, string ModelPath, ModelInfo Info, JsonObject? Metrics, string? Description);

/// <summary>The models that travel with the program, in models/ next to the binaries ($CT_MODELS overrides the folder).</summary>
public static class ShippedModels
{
    public const string ModelFileName = "model.ct", MetricsFileName = "metrics.json", DescriptionFileName = "README.md";

    public static string Root =>
        Environment.GetEnvironmentVariable("CT_MODELS") is { Length: > 0 } custom ? custom : Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Every folder of <see cref="Root"/> holding a model file, by name.</summary>
    public static IReadOnlyList<ShippedModel> List()
    {
        if (!System.IO.Directory.Exists(Root)) return [];
        return System.IO.Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, ModelFileName)))
            .Select(Open).ToArray();
    }

    /// <summary>The names of the shipped models (folders of <see cref="Root"/> holding a model file), without opening them.</summary>
    public static IReadOnlyList<string> Names() =>
        System.IO.Directory.Exists(Root)
            ? System.IO.Directory.EnumerateDirectories(Root).Where(d => File.Exists(Path.Combine(d, ModelFileName)))
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];

    public static ShippedModel? Find(string name)
    {
        if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..") return null;
        string dir = Path.Combine(Root, name);
        return File.Exists(Path.Combine(dir, ModelFileName)) ? Open(dir) : null;
    }

    private static ShippedModel Open(string dir)
    {
        string model = Path.Combine(dir, ModelFileName), metrics = Path.Combine(dir, MetricsFileName), readme = Path.Combine(dir, DescriptionFileName);
        JsonObject? m = null;
        if (File.Exists(metrics))
        {
            try { m = JsonNode.Parse(File.ReadAllText(metrics)) as JsonObject; }
            catch (JsonException ex) { throw new InputError($"not valid JSON ({ex.Message.ReplaceLineEndings(" ")})", metrics); }
        }
        string? description = File.Exists(readme) ? File.ReadLines(readme).FirstOrDefault(l => l.Trim().Length > 0 && !l.StartsWith('#'))?.Trim() : null;
        return new ShippedModel(Path.GetFileName(dir), dir, model, ModelFile.ReadInfo(model), m, description);
    }
}

/// <summary>
/// Predicts properties of crystal files with a trained model: files are read and turned into graphs in parallel, the
/// network runs in batches, and a file or structure that cannot be used gets an error instead of stopping the rest.
/// Work proceeds in chunks of files, so memory stays bounded for any number of inputs.
/// </summary>
public static class Prediction
{
    /// <summary>Files per chunk: read, featurised and predicted together.</summary>
    public const int ChunkFiles = 4096;

    /// <summary>
    /// The model file behind a specification: a run directory (its best.ct), a model file, or the name of a shipped model
    /// (see <c>ct models</c>).
    /// </summary>
    public static string ResolveModel(string spec)
    {
        if (System.IO.Directory.Exists(spec))
        {
            foreach (var name in new[] { Trainer.BestFile, ShippedModels.ModelFileName })
                if (File.Exists(Path.Combine(spec, name))) return Path.Combine(spec, name);
            throw new InputError($"folder holds no {Trainer.BestFile} (a ct train run directory) or {ShippedModels.ModelFileName}", spec);
        }
        if (File.Exists(spec)) return spec;
        if (ShippedModels.Find(spec) is { } shipped) return shipped.ModelPath;
        var names = ShippedModels.List().Select(m => m.Name).ToArray();
        throw new InputError($"no model '{spec}': not a run directory, a model file or a shipped model (shipped: {(names.Length == 0 ? "none" : string.Join(", ", names))})");
    }

    /// <summary>Loads a model for prediction (see <see cref="ResolveModel"/>); graph networks whose table was learned from
    /// scratch accept only the elements of their training data.</summary>
    public static (TrainableModel Model, ModelInfo Info) LoadModel(string spec, Device? device = null)
    {
        var (model, info) = ModelFile.Load(ResolveModel(spec), device);
        if (model is GraphModel g && g.TableConfig.Training == ElementTableTraining.Scratch) g.RestrictElements(info.TrainedElements);
        return (model, info);
    }

    /// <summary>The files to read: each named file, and every structure file under each named folder (recursively, in name order).</summary>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (File.Exists(p)) files.Add(p);
            else if (System.IO.Directory.Exists(p))
                files.AddRange(System.IO.Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)
                    .Where(StructureIO.IsCrystalFileName).Order(StringComparer.Ordinal));
            else throw new InputError("no such file or folder", p);
        }
        return files;
    }

    /// <summary>
    /// Predicts every structure of <paramref name="files"/>, handing rows to <paramref name="emit"/> in input order (files
    /// in the given order, structures in file order).
    /// </summary>
    public static void Run(TrainableModel model, ModelInfo info, IReadOnlyList<string> files, Action<PredictionRow> emit,
        int threads = 0, int batchSize = 256, Device? device = null, ReadOptions? read = null, Action<int>? progress = null)
    {
        device ??= CPU;
        threads = threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount);
        if (model is GraphModel g) g.Featurization = g.Featurization with { Threads = threads };
        var trained = TrainedSet(model, info);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        for (int start = 0; start < files.Count; start += ChunkFiles)
        {
            int n = Math.Min(ChunkFiles, files.Count - start);
            var perFile = new List<Item>[n];
            Parallel.For(0, n, parallel, k => perFile[k] = ReadFile(files[start + k], model, read, trained));
            Emit(model, info, perFile.SelectMany(x => x).ToArray(), emit, batchSize, device);
            progress?.Invoke(start + n);
        }
    }

    /// <summary>
    /// Predicts compositions with a model that reads compositions only (<see cref="TrainableModel.ReadsCompositionOnly"/>),
    /// handing rows to <paramref name="emit"/> in input order. A formula that cannot be parsed, or that holds an element
    /// the model was not trained on, gives a row with an error naming the file and line (when it came from a file) and the
    /// reason; the others are predicted.
    /// </summary>
    public static void RunFormulas(TrainableModel model, ModelInfo info, IEnumerable<FormulaInput> inputs, Action<PredictionRow> emit,
        int batchSize = 256, Device? device = null)
    {
        if (!model.ReadsCompositionOnly)
            throw new InputError($"the model ({model.Kind}) needs crystal structures, not formulas: give structure files, or a composition model (e.g. mp-composition)");
        device ??= CPU;
        var trained = TrainedSet(model, info);
        foreach (var chunk in inputs.Chunk(ChunkFiles))
        {
            var items = chunk.Select(input =>
            {
                string file = input.File ?? "";
                if (input.Error is not null) return new Item(input.Id, file, null, input.Error);
                try
                {
                    var composition = Composition.Parse(input.Formula);
                    return new Item(input.Id, file, Featurize(model, trained, new DataEntry(input.Id, composition)), "");
                }
                catch (InputError ex)
                {
                    return new Item(input.Id, file, null, InputError.Format(ex.Reason, input.File, input.Line));
                }
            }).ToArray();
            Emit(model, info, items, emit, batchSize, device);
        }
    }

    /// <summary>
    /// The formulas of a CSV with a formula column (see <see cref="IO.Csv.CompositionTable.ReadFormulas"/>), streamed. A
    /// problem with the file itself (no such column, a row with the wrong number of fields) ends it with one error row
    /// named after the file, so other inputs still run.
    /// </summary>
    public static IEnumerable<FormulaInput> FormulasFromCsv(string path, string? formulaColumn = null)
    {
        using var e = IO.Csv.CompositionTable.ReadFormulas(path, formulaColumn).GetEnumerator();
        while (true)
        {
            FormulaInput? failed = null;
            try
            {
                if (!e.MoveNext()) yield break;
            }
            catch (Exception ex) when (ex is InputError or IOException or InvalidDataException)
            {
                failed = new FormulaInput(StructureIO.IdFromPath(path), path, null, "") { Error = OneLine(ex) };
            }
            if (failed is not null) { yield return failed; yield break; }
            yield return new FormulaInput(e.Current.Id, path, e.Current.Line, e.Current.Formula);
        }
    }

    /// <summary>True when a CSV's header names a formula column (<paramref name="formulaColumn"/>, or one of the usual names).</summary>
    public static bool HasFormulaColumn(string path, string? formulaColumn = null)
    {
        try
        {
            var header = IO.Csv.CsvRowReader.ReadFile(path).FirstOrDefault()?.Fields.Select(f => f.Trim()).ToArray() ?? [];
            return formulaColumn is not null ? header.Contains(formulaColumn)
                : IO.Csv.CompositionTable.FormulaColumnNames.Any(c => header.Contains(c, StringComparer.OrdinalIgnoreCase));
        }
        catch (Exception ex) when (ex is InputError or IOException or InvalidDataException) { return false; }
    }

    /// <summary>The elements a composition model was trained on (null for other models: their tables cover what they read).</summary>
    private static HashSet<int>? TrainedSet(TrainableModel model, ModelInfo info) =>
        model.ReadsCompositionOnly && info.TrainedElements.Length > 0 ? info.TrainedElements.ToHashSet() : null;

    /// <summary>Featurises an entry, first refusing elements outside <paramref name="trained"/> (when given).</summary>
    private static ISample Featurize(TrainableModel model, HashSet<int>? trained, DataEntry entry)
    {
        if (trained is not null)
        {
            var missing = entry.Composition.Elements.Where(e => !trained.Contains(e.Z)).Select(e => e.Symbol).Distinct().ToArray();
            if (missing.Length > 0)
                throw new InputError($"{(missing.Length == 1 ? "element" : "elements")} {string.Join(", ", missing)} {(missing.Length == 1 ? "is" : "are")} not among the {trained.Count} elements the model was trained on");
        }
        return model.Featurize(entry);
    }

    private static void Emit(TrainableModel model, ModelInfo info, Item[] items, Action<PredictionRow> emit, int batchSize, Device device)
    {
        var ready = Enumerable.Range(0, items.Length).Where(i => items[i].Sample is not null).ToArray();
        var samples = items.Select(i => i.Sample).ToArray();
        var values = new double[]?[items.Length];
        var errors = items.Select(i => i.Error).ToArray();
        PredictIsolated(model, samples!, ready, info.Scaler, device, batchSize, values, errors);
        for (int i = 0; i < items.Length; i++)
            emit(new PredictionRow(items[i].Id, items[i].File, values[i], errors[i]));
    }

    /// <summary>
    /// Predicts <paramref name="ready"/> in batches; when a batch fails, its structures are predicted one by one so that
    /// only the one that fails gets an error. Non-finite outputs become errors too.
    /// </summary>
    private static void PredictIsolated(TrainableModel model, ISample[] samples, int[] ready, TargetScaler scaler, Device device, int batchSize,
        double[]?[] values, string[] errors)
    {
        if (ready.Length == 0) return;
        try
        {
            var predicted = Trainer.Predict(model, samples, ready, scaler, device, batchSize);
            for (int k = 0; k < ready.Length; k++) Keep(ready[k], predicted[k]);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ready.Length > 1) { }
        foreach (int i in ready)
        {
            try { Keep(i, Trainer.Predict(model, samples, [i], scaler, device, 1)[0]); }
            catch (Exception ex) when (ex is not OperationCanceledException) { errors[i] = Failure(ex); }
        }

        void Keep(int i, double[] v)
        {
            if (v.All(double.IsFinite)) values[i] = v;
            else errors[i] = "the network's output is not finite";
        }
    }

    private sealed record Item(string Id, string File, ISample? Sample, string Error);

    /// <summary>Reads one file and featurises its structures; failures become rows with an error.</summary>
    private static List<Item> ReadFile(string file, TrainableModel model, ReadOptions? read, HashSet<int>? trained)
    {
        var items = new List<Item>();
        string stem = StructureIO.IdFromPath(file);
        // Records in file order: a structure, or the error of a record that formats of independent records skip.
        var records = new List<(Structure? Structure, string? Error)>();
        string? readError = null;
        try
        {
            var options = (read ?? ReadOptions.Default) with { BadRecord = e => records.Add((null, OneLine(e))) };
            foreach (var s in StructureIO.ReadLazy(file, options)) records.Add((s, null));
            if (records.Count == 0) readError = "no structure in file";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            readError = Failure(ex);
        }
        bool single = records.Count == 1 && readError is null;
        for (int k = 0; k < records.Count; k++)
        {
            var (s, error) = records[k];
            if (s is null)
            {
                items.Add(new Item($"{stem}:{k + 1}", file, null, error!));
                continue;
            }
            string id = single ? stem : s.Id.Length > 0 && s.Id != stem ? s.Id : $"{stem}:{k + 1}";
            try
            {
                items.Add(new Item(id, file, Featurize(model, trained, DataEntry.From(s.WithId(id))), ""));
            }
            catch (InputError ex)
            {
                items.Add(new Item(id, file, null, ex.Reason));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                items.Add(new Item(id, file, null, Failure(ex)));
            }
        }
        if (readError is not null)
            items.Add(new Item(records.Count == 0 ? stem : $"{stem}:{records.Count + 1}", file, null, readError));
        return items;
    }

    /// <summary>One line for a failure: an input error's message, or the kind and message of anything unexpected.</summary>
    private static string Failure(Exception ex) =>
        ex is InputError or IOException or UnauthorizedAccessException ? OneLine(ex)
        : $"internal error: {ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");

    private static string OneLine(Exception ex) => (ex is InputError ie ? ie.Message : ex.Message).ReplaceLineEndings(" ");

    /// <summary>Writes prediction rows as CSV: id, one column per target, error (header first, then one line per row).</summary>
    public sealed class CsvWriter
    {
        private readonly TextWriter _writer;
        private readonly int _targets;

        public CsvWriter(TextWriter writer, IReadOnlyList<string> targets)
        {
            _writer = writer;
            _targets = targets.Count;
            writer.Write(string.Join(",", new[] { "id" }.Concat(targets).Append("error").Select(Field)) + "\n");
        }

        public void Write(PredictionRow row)
        {
            var sb = new StringBuilder(Field(row.Id));
            for (int t = 0; t < _targets; t++)
            {
                sb.Append(',');
                if (row.Values is { } v) sb.Append(v[t].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append(',').Append(Field(row.Error)).Append('\n');
            _writer.Write(sb.ToString());
        }

        private static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
    }
}
