using System.Globalization;
using CrystalTransformer.IO.Csv;

namespace CrystalTransformer.Reproduce.Report;

/// <summary>
/// What runs compared across back-ends share: the profile they were run in (budgets differ between profiles), the data
/// set, target and training size.
/// </summary>
public sealed record Scope(string Profile, string Dataset, string Target, int TrainCount, bool WholeSplit)
{
    public string SizeText => WholeSplit ? $"{TrainCount} (all)" : $"{TrainCount}";
}

/// <summary>The comparable runs of one setting: same profile, budget, data set, target, training size, back-end and mode.</summary>
public sealed record Setting(string Profile, int Epochs, string Dataset, string Target, int TrainCount, bool WholeSplit, string Model, string Mode)
{
    public string SizeText => WholeSplit ? $"{TrainCount} (all)" : $"{TrainCount}";
    public Scope Scope => new(Profile, Dataset, Target, TrainCount, WholeSplit);
}

/// <summary>Mean and sample standard deviation over seeds.</summary>
public sealed record Stat(double Mean, double Std, int N)
{
    public static Stat Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new Stat(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : double.NaN;
        return new Stat(mean, std, v.Length);
    }
}

/// <summary>
/// One table in one setting: its runs (one per seed) and their statistics. For the pseudo-group of fine-tuning variants
/// (<see cref="ResultTables.PickedMode"/>) <see cref="Picks"/> names the variant chosen on validation for each seed.
/// </summary>
public sealed record Group(Setting Setting, string Embedding, IReadOnlyList<RunRecord> Runs)
{
    public Stat Mae { get; } = Stat.Of(Runs.Select(r => r.Mae));
    public Stat Rmse { get; } = Stat.Of(Runs.Select(r => r.Rmse));
    public Stat R2 { get; } = Stat.Of(Runs.Select(r => r.R2));
    public IReadOnlyDictionary<int, string>? Picks { get; init; }

    /// <summary>A ct-UAE (alone, transformed or concatenated) or a whole-encoder transfer: what the verdicts are about.</summary>
    public bool IsTransfer => Setting.Mode == GridCell.Encoder || UaeCatalog.IsUae(Embedding);

    /// <summary>One learning rate of the fine-tuning variants: shown, but compared only through the pick on validation.</summary>
    public bool IsSingleVariant => CellMode.IsTunedVariant(Setting.Mode);
}

/// <summary>Groups the store's runs, adds the picked-on-validation pseudo-groups, and finds references and baselines.</summary>
public sealed class ResultTables
{
    /// <summary>Mode of the pseudo-group "TABLE (fine-tuned, picked on validation)".</summary>
    public const string PickedMode = "fine-tuned, picked on validation";
    /// <summary>The back-end encoder transfer cells are compared with (their reference is its default table).</summary>
    public const string GraphReferenceModel = "cgcnn";

    public IReadOnlyList<RunRecord> Runs { get; }
    public IReadOnlyList<Group> Groups { get; }
    private readonly Dictionary<string, IReadOnlyDictionary<string, double>?> _errors = new(StringComparer.Ordinal);

    public ResultTables(IReadOnlyList<RunRecord> runs)
    {
        Runs = runs;
        var groups = runs.GroupBy(r => (SettingOf(r), r.Cell.Embedding))
            .Select(g => new Group(g.Key.Item1, g.Key.Embedding, g.OrderBy(r => r.Cell.Seed).ToArray())).ToList();
        groups.AddRange(PickedGroups(groups));
        Groups = groups
            .OrderBy(g => g.Setting.Profile, StringComparer.Ordinal).ThenBy(g => g.Setting.Dataset, StringComparer.Ordinal).ThenBy(g => g.Setting.Target, StringComparer.Ordinal)
            .ThenBy(g => ModelOrder(g.Setting.Model)).ThenBy(g => g.Setting.TrainCount).ThenBy(g => g.Setting.Epochs).ThenBy(g => ModeOrder(g.Setting.Mode)).ThenBy(g => g.Setting.Mode, StringComparer.Ordinal)
            .ThenBy(g => EmbeddingOrder(g.Embedding)).ThenBy(g => g.Embedding, StringComparer.Ordinal).ToArray();
    }

    public static Setting SettingOf(RunRecord r) =>
        new(r.Configuration.Profile, r.Configuration.Epochs, r.Cell.Dataset, r.Cell.Target, r.TrainCount, r.Cell.TrainSize is null, r.Cell.Model, r.Cell.Mode);

    /// <summary>
    /// For each table and setting with fine-tuning variants (finetune:LR, l2sp:LR): per seed, the variant run with the
    /// lowest validation MAE. Seeds without a validation MAE (stores of schema version 1) get no pick. Test MAE plays no part.
    /// </summary>
    private static IEnumerable<Group> PickedGroups(IReadOnlyList<Group> groups)
    {
        foreach (var family in groups.Where(g => g.IsSingleVariant).GroupBy(g => (g.Setting with { Mode = PickedMode }, g.Embedding)))
        {
            var picks = family.SelectMany(g => g.Runs).Where(r => double.IsFinite(r.ValidationMae)).GroupBy(r => r.Cell.Seed)
                .Select(s => s.OrderBy(r => r.ValidationMae).ThenBy(r => r.Cell.Mode, StringComparer.Ordinal).First())
                .OrderBy(r => r.Cell.Seed).ToArray();
            if (picks.Length == 0) continue;
            yield return new Group(family.Key.Item1, family.Key.Embedding, picks) { Picks = picks.ToDictionary(r => r.Cell.Seed, r => r.Cell.Mode) };
        }
    }

    public static int ModelOrder(string model) => Array.IndexOf(Profiles.Models, model) is var i and >= 0 ? i : model == BackendCellRunner.EncoderModel ? 50 : 99;

    private static int ModeOrder(string mode) => mode switch
    {
        GridCell.Frozen => 0,
        GridCell.FineTune => 1,
        PickedMode => 3,
        GridCell.Encoder => 4,
        _ => 2,
    };

    /// <summary>Baselines in the grid's order, then the ct-UAEs, then anything else.</summary>
    public static int EmbeddingOrder(string embedding)
    {
        int i = Array.IndexOf(Profiles.BaselineTables, embedding);
        if (i >= 0) return i;
        int u = Array.IndexOf(UaeCatalog.Names, embedding);
        return u >= 0 ? 100 + u : UaeCatalog.IsUae(embedding) ? 150 : 120;
    }

    public IEnumerable<Setting> Settings => Groups.Select(g => g.Setting).Distinct();

    public IReadOnlyList<Group> In(Setting s) => Groups.Where(g => g.Setting == s).ToArray();

    public IReadOnlyList<Group> In(Scope s) => Groups.Where(g => g.Setting.Scope == s).ToArray();

    /// <summary>The back-end whose default table is a group's reference: its own, or CGCNN for whole-encoder transfer.</summary>
    public static string ReferenceModel(Setting s) => s.Model == BackendCellRunner.EncoderModel ? GraphReferenceModel : s.Model;

    /// <summary>
    /// "None" of the paper: the back-end's own table, frozen, at the same data set, size and budget (cgcnn92 for CGCNN in
    /// the transfer profile). Whole-encoder transfer runs are compared with CGCNN's reference of the same scope.
    /// </summary>
    public Group? Reference(Setting s)
    {
        string model = ReferenceModel(s);
        var candidates = Groups.Where(g => g.Setting.Scope == s.Scope && g.Setting.Model == model && g.Setting.Mode == GridCell.Frozen
                                           && g.Embedding == Profiles.DefaultTable(model)).ToArray();
        return model == s.Model ? candidates.FirstOrDefault(g => g.Setting.Epochs == s.Epochs) : candidates.MaxBy(g => g.Runs.Count);
    }

    /// <summary>Relative change of the mean MAE against <see cref="Reference"/> (−0.1 = 10 % lower).</summary>
    public double RelativeToReference(Group g)
    {
        var reference = Reference(g.Setting);
        return reference is null || reference.Mae.Mean == 0 ? double.NaN : g.Mae.Mean / reference.Mae.Mean - 1;
    }

    /// <summary>
    /// The best (lowest mean MAE) baseline of a setting: a table that is neither a ct-UAE nor an encoder transfer, on the
    /// reference back-end, in any mode except single fine-tuning variants (those enter through their pick on validation).
    /// </summary>
    public Group? BestBaseline(Setting s, Func<Group, bool>? eligible = null) =>
        Groups.Where(g => g.Setting.Scope == s.Scope && g.Setting.Model == ReferenceModel(s) && !g.IsTransfer && !g.IsSingleVariant
                          && !double.IsNaN(g.Mae.Mean) && (eligible?.Invoke(g) ?? true))
            .MinBy(g => g.Mae.Mean);

    public static string Label(Group g) => g.Setting.Mode switch
    {
        GridCell.Frozen => g.Embedding,
        GridCell.Encoder => $"{g.Embedding} (whole-encoder transfer)",
        _ => $"{g.Embedding} ({g.Setting.Mode})",
    };

    /// <summary>The candidate against the reference, seed by seed, with the bootstrap over the stored test predictions.</summary>
    public PairedResult Compare(Group candidate, Group reference) =>
        PairedStatistics.Compare(SeedRuns(candidate), SeedRuns(reference));

    /// <summary>A group's runs by seed, with each run's absolute test errors by crystal id.</summary>
    public IReadOnlyDictionary<int, SeedRun> SeedRuns(Group g) =>
        g.Runs.GroupBy(r => r.Cell.Seed).ToDictionary(s => s.Key, s => new SeedRun(s.First().Mae, AbsoluteErrors(s.First())));

    /// <summary>|predicted − true| per test crystal of a run (parsed once), or null when its predictions cannot be read.</summary>
    public IReadOnlyDictionary<string, double>? AbsoluteErrors(RunRecord r)
    {
        lock (_errors)
        {
            if (_errors.TryGetValue(r.ConfigHash, out var cached)) return cached;
            IReadOnlyDictionary<string, double>? errors;
            try
            {
                var (ids, truth, predicted) = Predictions(r.PredictionsCsv, r.Cell.Target);
                var d = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int i = 0; i < ids.Length; i++) d[ids[i]] = Math.Abs(predicted[i] - truth[i]);
                errors = d.Count > 0 ? d : null;
            }
            catch (Structures.InputError) { errors = null; }
            _errors[r.ConfigHash] = errors;
            return errors;
        }
    }

    /// <summary>Ids, true and predicted values of a target from a run's test_predictions.csv (id, T, T_predicted, ...).</summary>
    public static (string[] Ids, double[] Truth, double[] Predicted) Predictions(string csv, string target)
    {
        var table = CsvTable.Read(new StringReader(csv), "test_predictions.csv");
        int id = table.Column("id"), t = table.Column(target), p = table.Column(target + "_predicted");
        var rows = table.Rows.Select(r => (Id: r.Fields[id].Trim(), T: Parse(r.Fields[t]), P: Parse(r.Fields[p])))
            .Where(x => !double.IsNaN(x.T) && !double.IsNaN(x.P)).ToArray();
        return (rows.Select(x => x.Id).ToArray(), rows.Select(x => x.T).ToArray(), rows.Select(x => x.P).ToArray());
        static double Parse(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
    }
}
