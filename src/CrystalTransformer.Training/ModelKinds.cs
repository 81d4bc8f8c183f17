using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.Models;
using CrystalTransformer.Models.GraphNetworks;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>What a training run hands a model kind's factory: targets, architecture overrides, element table, disorder rule.</summary>
/// <param name="Targets">Number of outputs.</param>
/// <param name="Architecture">Settings on top of the kind's defaults, by their snake_case names; null = none.</param>
/// <param name="Table">The element table's provenance and mode (ignored by kinds that learn their own table).</param>
/// <param name="Rows">The resolved table values to load into the model (null for kinds that learn their own table).</param>
/// <param name="Disorder">How disordered sites are read.</param>
public sealed record ModelBuild(int Targets, JsonObject? Architecture, ElementTableConfig Table, ElementTable? Rows, DisorderPolicy Disorder);

/// <summary>
/// Everything the program knows about one model kind: its name, configuration type, default element table, default
/// training options, graph settings and factories. <c>ct train</c>, <c>ct predict</c>, <c>ct models</c>,
/// <c>ct reproduce</c> and the help texts read these from <see cref="ModelKinds"/>.
/// </summary>
public sealed record ModelKind
{
    /// <summary>The name used on the command line and stored in model files ("cgcnn", ...).</summary>
    public required string Name { get; init; }
    /// <summary>One line for help texts and <c>ct models</c>.</summary>
    public required string Summary { get; init; }
    /// <summary>The type of the architecture settings (serialised to a model file's config).</summary>
    public required Type ConfigType { get; init; }
    /// <summary>Element table when none is given.</summary>
    public required string DefaultTable { get; init; }
    /// <summary>True when the model learns its own element table from one-hot vectors (no --embedding, no table mode).</summary>
    public bool LearnsOwnTable { get; init; }
    /// <summary>Training settings of the model's reference code, for a number of targets.</summary>
    public required Func<int, TrainingOptions> DefaultOptions { get; init; }
    /// <summary>How crystals become graphs under the default settings; null for a model that reads no graph.</summary>
    public GraphSettings? Graph { get; init; }
    /// <summary>A new model for a training run (the element table's rows loaded when <see cref="ModelBuild.Rows"/> is set).</summary>
    public required Func<ModelBuild, TrainableModel> Create { get; init; }
    /// <summary>A model rebuilt from the config stored in a model file and the number of targets (weights loaded afterwards).</summary>
    public required Func<JsonObject, int, TrainableModel> Load { get; init; }

    /// <summary>
    /// The descriptor of a graph network with an input element table: <paramref name="config"/> makes the default
    /// settings for a table and disorder rule, <paramref name="create"/> the network for settings and a target count.
    /// </summary>
    public static ModelKind GraphNetwork<TConfig>(string name, string summary, string defaultTable, Func<int, TrainingOptions> defaultOptions,
        Func<ElementTableConfig, DisorderPolicy, TConfig> config, Func<TConfig, int, GraphModel> create) where TConfig : GraphNetworkConfig => new()
    {
        Name = name,
        Summary = summary,
        ConfigType = typeof(TConfig),
        DefaultTable = defaultTable,
        DefaultOptions = defaultOptions,
        Graph = config(new ElementTableConfig(), DisorderPolicy.Reject).GraphSettings(),
        Create = b =>
        {
            var model = create(ConfigJson.With(config(b.Table, b.Disorder), b.Architecture, name), b.Targets);
            if (b.Rows is { } rows) model.LoadElementTable(rows);
            return model;
        },
        Load = (json, targets) => create(ConfigJson.FromJson<TConfig>(json, name), targets),
    };
}

/// <summary>
/// The registry of model kinds. Adding a back-end is its model file plus one line in <see cref="BuiltIn"/> (or a call to
/// <see cref="Register"/>); a name that is not registered is an error everywhere.
/// </summary>
public static class ModelKinds
{
    /// <summary>CGCNN with the settings of its official code (txie-93/cgcnn main.py).</summary>
    public static readonly ModelKind Cgcnn = ModelKind.GraphNetwork(CgcnnModel.KindName, "crystal graph convolutional network (Xie & Grossman 2018)", "cgcnn92",
        _ => new TrainingOptions
        {
            Epochs = 30, BatchSize = 256, Optimizer = OptimizerKind.Sgd, LearningRate = 0.01, Momentum = 0.9, WeightDecay = 0,
            Schedule = ScheduleKind.MultiStep, Milestones = [100], Gamma = 0.1, Selection = SelectionMetric.MeanStandardized,
        },
        (table, disorder) => new CgcnnConfig { ElementTable = table, Disorder = disorder }, (c, targets) => new CgcnnModel(c, targets));

    /// <summary>MEGNet with its reference settings (Adam lr 1e-3, gradient-norm clip 3, batch 128, 1000 epochs).</summary>
    public static readonly ModelKind Megnet = ModelKind.GraphNetwork(MegnetModel.KindName, "MatErials Graph Network (Chen et al. 2019)", "megnet16",
        _ => new TrainingOptions
        {
            Epochs = 1000, BatchSize = 128, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, WeightDecay = 0, GradientClip = 3,
            Schedule = ScheduleKind.Constant, Selection = SelectionMetric.MeanStandardized,
        },
        (table, disorder) => new MegnetConfig { ElementTable = table, Disorder = disorder }, (c, targets) => new MegnetModel(c, targets));

    /// <summary>ALIGNN with its reference settings (AdamW lr 0.01, batch 64, OneCycle, 300 epochs); it reads CGCNN's table.</summary>
    public static readonly ModelKind Alignn = ModelKind.GraphNetwork(AlignnModel.KindName, "atomistic line graph neural network (Choudhary & DeCost 2021)", "cgcnn92",
        _ => new TrainingOptions
        {
            Epochs = 300, BatchSize = 64, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-2, WeightDecay = 0,
            Schedule = ScheduleKind.OneCycle, Selection = SelectionMetric.MeanStandardized,
        },
        (table, disorder) => new AlignnConfig { ElementTable = table, Disorder = disorder }, (c, targets) => new AlignnModel(c, targets));

    /// <summary>The Transformer front-end with the "fast" recipe; it learns its own table (the ct-UAEs) from one-hot vectors.</summary>
    public static readonly ModelKind Transformer = new()
    {
        Name = CrystalTransformerModel.KindName,
        Summary = "the Transformer front-end that learns the ct-UAEs",
        ConfigType = typeof(TransformerConfig),
        DefaultTable = "onehot",
        LearnsOwnTable = true,
        DefaultOptions = targets => Recipes.Get("fast", targets, compositionMode: false).Training,
        Create = b => new CrystalTransformerModel(WithSettings(Recipes.Get("fast", b.Targets, compositionMode: false).Model, b.Architecture), b.Targets),
        Load = (json, targets) => new CrystalTransformerModel(TransformerConfig.FromJson(json), targets),
    };

    /// <summary>The built-in kinds, one line each.</summary>
    private static readonly List<ModelKind> BuiltIn = [Cgcnn, Megnet, Alignn, Transformer];

    private static readonly List<ModelKind> Registered = [.. BuiltIn];

    /// <summary>Adds a model kind; its name must be new.</summary>
    public static void Register(ModelKind kind)
    {
        lock (Registered)
        {
            if (Registered.Any(k => k.Name.Equals(kind.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"model kind '{kind.Name}' is already registered");
            Registered.Add(kind);
        }
    }

    /// <summary>Every registered kind, the built-in ones first.</summary>
    public static IReadOnlyList<ModelKind> All { get { lock (Registered) return Registered.ToArray(); } }

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names => All.Select(k => k.Name).ToArray();

    /// <summary>The kinds that read an element table chosen with --embedding (the back-ends).</summary>
    public static IReadOnlyList<ModelKind> BackEnds => All.Where(k => !k.LearnsOwnTable).ToArray();

    /// <summary>The kind of that name (case ignored), or an error listing the known ones.</summary>
    public static ModelKind Get(string name)
    {
        string n = name.Trim();
        return All.FirstOrDefault(k => k.Name.Equals(n, StringComparison.OrdinalIgnoreCase))
            ?? throw new InputError($"unknown model '{name}' (known: {string.Join(", ", Names)})");
    }

    /// <summary>"a, b, c or d" of the kinds' names.</summary>
    public static string NameList(IEnumerable<ModelKind>? kinds = null)
    {
        var names = (kinds ?? All).Select(k => k.Name).ToArray();
        return names.Length <= 1 ? string.Concat(names) : $"{string.Join(", ", names[..^1])} or {names[^1]}";
    }

    /// <summary>"cgcnn 30, megnet 1000, ..." of one default value per kind, for help texts.</summary>
    public static string Defaults(Func<ModelKind, string?> value, IEnumerable<ModelKind>? kinds = null) =>
        string.Join(", ", (kinds ?? All).Select(k => (k.Name, Value: value(k))).Where(p => p.Value is not null).Select(p => $"{p.Name} {p.Value}"));

    /// <summary>The front-end's settings with overrides by their snake_case names.</summary>
    private static TransformerConfig WithSettings(TransformerConfig config, JsonObject? overrides)
    {
        if (overrides is null || overrides.Count == 0) return config;
        var json = config.ToJson();
        foreach (var (name, value) in overrides)
        {
            if (!json.ContainsKey(name)) throw new InputError($"transformer has no setting '{name}'");
            json[name] = value?.DeepClone();
        }
        return TransformerConfig.FromJson(json);
    }
}
