using CrystalTransformer.Structures;

namespace CrystalTransformer.Reproduce;

/// <summary>A data set with one target and the training sizes of its learning curve (null = the whole training split).</summary>
public sealed record DatasetSpec(string Dataset, string Target, IReadOnlyList<int?> TrainSizes);

/// <summary>Training budget of a back-end in a profile: epochs and, when set, a batch size other than the model's default.</summary>
public sealed record TrainingBudget(int Epochs, int? BatchSize = null);

/// <summary>A rectangular block of the grid: every combination of its lists.</summary>
public sealed record GridBlock(IReadOnlyList<string> Models, IReadOnlyList<string> Embeddings, IReadOnlyList<string> Modes,
    IReadOnlyList<DatasetSpec> Datasets, IReadOnlyList<int> Seeds);

/// <summary>
/// A named grid with its training budget. <see cref="Expand"/> lists the cells in a fixed order: data set, training size,
/// seed, model, embedding, mode — so an interrupted run already has every table for the first seeds, and a round-robin
/// shard gets a mix of cheap and expensive cells.
/// </summary>
public sealed record ReproduceProfile(string Name, string Description, IReadOnlyList<GridBlock> Blocks,
    IReadOnlyDictionary<string, TrainingBudget> Budgets, bool MayPretrain)
{
    /// <summary>The budget under "model/dataset" when the profile has one, else under "model".</summary>
    public TrainingBudget BudgetFor(GridCell cell) =>
        Budgets.TryGetValue($"{cell.Model}/{cell.Dataset}", out var specific) ? specific
        : Budgets.TryGetValue(cell.Model, out var b) ? b
        : throw new InputError($"profile '{Name}' has no training budget for model '{cell.Model}'");

    public IReadOnlyList<GridCell> Expand()
    {
        var cells = new List<GridCell>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var block in Blocks)
            foreach (var data in block.Datasets)
                foreach (var size in data.TrainSizes)
                    foreach (int seed in block.Seeds)
                        foreach (var model in block.Models)
                            foreach (var embedding in block.Embeddings)
                                foreach (var mode in block.Modes)
                                {
                                    var cell = new GridCell(model, embedding, mode, data.Dataset, data.Target, size, seed);
                                    if (seen.Add(cell.Key)) cells.Add(cell);
                                }
        return cells;
    }
}

/// <summary>The grids of <c>ct reproduce</c> and the names they use.</summary>
public static class Profiles
{
    public const string Perov5 = "perov5", Nomad = "nomad2018", Perov5Ood = "perov5-ood";
    public const string HeatRef = "heat_ref", NomadFormation = "formation_energy_ev_natom", NomadGap = "bandgap_energy_ev";
    public static readonly string[] Models = ["cgcnn", "megnet", "alignn"];

    /// <summary>The shared baseline tables compared with the ct-UAEs.</summary>
    public static readonly string[] BaselineTables = ["onehot", "random_200", "cgcnn92", "megnet16", "mat2vec", "magpie", "oliynyk", "skipatom", "matscholar"];

    public static readonly string[] Modes = [GridCell.Frozen, GridCell.FineTune];

    /// <summary>
    /// The table a back-end uses when none is given ("None" in the paper's Table 3), used as it is published: frozen.
    /// CGCNN and ALIGNN read CGCNN's 92-d atom_init.json; MEGNet's element vectors are the 16-d ones its authors learned.
    /// </summary>
    public static string DefaultTable(string model) => model switch
    {
        "megnet" => "megnet16",
        _ => "cgcnn92",
    };

    public static ReproduceProfile Get(string name) => name switch
    {
        "quick" => Quick,
        "full" => Full,
        _ => throw new InputError($"unknown profile '{name}' (known: quick, full)"),
    };

    /// <summary>
    /// The README's first command: CGCNN with CGCNN's own table, one-hot and the two shipped ct-UAEs (frozen; the ct-UAEs
    /// also fine-tuned, the paper's "CT") on 300 NOMAD crystals and 1,000 perov5 crystals, 3 seeds, a short budget.
    /// Uses the shipped ct-UAEs and never pretrains, so it fits in 10 minutes on 2 cores.
    /// </summary>
    public static readonly ReproduceProfile Quick = new("quick",
        "CGCNN × {cgcnn92, onehot, ct-uae-perov5-mt, ct-uae-mp} on NOMAD-2018 formation energy (300 training crystals; 20 epochs, batch 32) and perov5 heat_ref (1,000; 25 epochs, batch 64), 3 seeds",
        [
            new GridBlock(["cgcnn"], ["cgcnn92", "onehot", UaeCatalog.Perov5Multi, UaeCatalog.Mp], [GridCell.Frozen],
                [new DatasetSpec(Nomad, NomadFormation, [300]), new DatasetSpec(Perov5, HeatRef, [1000])], [0, 1, 2]),
            new GridBlock(["cgcnn"], [UaeCatalog.Perov5Multi, UaeCatalog.Mp], [GridCell.FineTune],
                [new DatasetSpec(Nomad, NomadFormation, [300]), new DatasetSpec(Perov5, HeatRef, [1000])], [0, 1, 2]),
        ],
        new Dictionary<string, TrainingBudget> { ["cgcnn"] = new(25, 64), [$"cgcnn/{Nomad}"] = new(20, 32) }, MayPretrain: false);

    /// <summary>Everything: 3 back-ends × 12 tables × 2 modes × 12 data-set/size combinations × 3 seeds.</summary>
    public static readonly ReproduceProfile Full = new("full",
        "{CGCNN, MEGNet, ALIGNN} × {9 baseline tables, 3 ct-UAEs} × {frozen, fine-tuned} × {perov5 200/1,000/all, NOMAD-2018 Ef and Eg 100/300/1,000/all, perov5 OOD}, 3 seeds",
        [
            new GridBlock(Models, [.. BaselineTables, .. UaeCatalog.Names], Modes,
                [
                    new DatasetSpec(Perov5, HeatRef, [200, 1000, null]),
                    new DatasetSpec(Nomad, NomadFormation, [100, 300, 1000, null]),
                    new DatasetSpec(Nomad, NomadGap, [100, 300, 1000, null]),
                    new DatasetSpec(Perov5Ood, HeatRef, [null]),
                ], [0, 1, 2]),
        ],
        new Dictionary<string, TrainingBudget> { ["cgcnn"] = new(100, 64), ["megnet"] = new(60, 64), ["alignn"] = new(60, 64) }, MayPretrain: true);
}
