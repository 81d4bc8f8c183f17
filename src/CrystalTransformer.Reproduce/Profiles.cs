using CrystalTransformer.IO;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

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
    /// <summary>The budget under "model/dataset/size" (size as in <see cref="GridCell.SizeLabel"/>), else "model/dataset",
    /// else "model".</summary>
    public TrainingBudget BudgetFor(GridCell cell) =>
        Budgets.TryGetValue($"{cell.Model}/{cell.Dataset}/{cell.SizeLabel}", out var sized) ? sized
        : Budgets.TryGetValue($"{cell.Model}/{cell.Dataset}", out var specific) ? specific
        : Budgets.TryGetValue(cell.Model, out var b) ? b
        : throw new InputError($"profile '{Name}' has no training budget for model '{cell.Model}'");

    /// <summary>
    /// The cells in grid order. Blocks are interleaved: for each data set, training size and seed, every block's cells
    /// of that combination (in block order) before the next seed. A profile of one block keeps the plain nested order.
    /// </summary>
    public IReadOnlyList<GridCell> Expand()
    {
        var cells = new List<GridCell>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var datasets = Blocks.SelectMany(b => b.Datasets.Select(d => (d.Dataset, d.Target))).Distinct().ToArray();
        foreach (var (dataset, target) in datasets)
        {
            bool Has(DatasetSpec d) => d.Dataset == dataset && d.Target == target;
            var sizes = Blocks.SelectMany(b => b.Datasets.Where(Has).SelectMany(d => d.TrainSizes)).Distinct().ToArray();
            foreach (var size in sizes)
            {
                var blocks = Blocks.Where(b => b.Datasets.Any(d => Has(d) && d.TrainSizes.Contains(size))).ToArray();
                foreach (int seed in blocks.SelectMany(b => b.Seeds).Distinct())
                    foreach (var block in blocks.Where(b => b.Seeds.Contains(seed)))
                        foreach (var model in block.Models)
                            foreach (var embedding in block.Embeddings)
                                foreach (var mode in block.Modes)
                                {
                                    var cell = new GridCell(model, embedding, mode, dataset, target, size, seed);
                                    if (seen.Add(cell.Key)) cells.Add(cell);
                                }
            }
        }
        return cells;
    }
}

/// <summary>The grids of <c>ct reproduce</c> and the names they use.</summary>
public static class Profiles
{
    public static readonly string Perov5 = BuiltInDataSets.Perov5.Name, Nomad = BuiltInDataSets.Nomad2018.Name;
    public const string Perov5Ood = "perov5-ood";
    public const string HeatRef = "heat_ref", NomadFormation = "formation_energy_ev_natom", NomadGap = "bandgap_energy_ev";
    public static readonly string[] Models = ["cgcnn", "megnet", "alignn"];

    /// <summary>The shared baseline tables compared with the ct-UAEs.</summary>
    public static readonly string[] BaselineTables = ["onehot", "random_200", "cgcnn92", "megnet16", "mat2vec", "magpie", "oliynyk", "skipatom", "matscholar"];

    public static readonly string[] Modes = [GridCell.Frozen, GridCell.FineTune];

    /// <summary>
    /// The table a back-end uses when none is given ("None" in the paper's Table 3), used as it is published: frozen.
    /// CGCNN and ALIGNN read CGCNN's 92-d atom_init.json; MEGNet's element vectors are the 16-d ones its authors learned.
    /// </summary>
    public static string DefaultTable(string model) => ModelKinds.Get(model).DefaultTable;

    public static readonly string[] Names = ["quick", "full", "transfer", "transfer-wide"];

    public static ReproduceProfile Get(string name) => name.Trim().ToLowerInvariant() switch
    {
        "quick" => Quick,
        "full" => Full,
        "transfer" => Transfer,
        "transfer-wide" => TransferWide,
        _ => throw new InputError($"unknown profile '{name}' (known: {string.Join(", ", Names)})"),
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
        "{CGCNN, MEGNet, ALIGNN} × {9 baseline tables, 5 ct-UAEs} × {frozen, fine-tuned} × {perov5 200/1,000/all, NOMAD-2018 Ef and Eg 100/300/1,000/all, perov5 OOD}, 3 seeds",
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

    /// <summary>The tables of the transfer profile, frozen: baselines, the MP ct-UAE and the MP ct-UAE next to cgcnn92.</summary>
    public static readonly string[] TransferTables =
        ["onehot", "cgcnn92", "megnet16", "mat2vec", "std:magpie", UaeCatalog.Mp, $"std:{UaeCatalog.Mp}+std:cgcnn92"];

    /// <summary>Fine-tuning variants of the transfer profile; the report picks one per seed on validation MAE.</summary>
    public static readonly string[] TransferTunedModes =
        [$"{CellMode.FineTunePrefix}1e-4", $"{CellMode.FineTunePrefix}1e-3", $"{CellMode.L2SpPrefix}1e-3"];

    /// <summary>The shipped front-end model whose whole encoder the transfer profile's encoder cells start from.</summary>
    public const string TransferEncoder = "mp-composition";

    /// <summary>Training sizes of the transfer profile's perov5 learning curve.</summary>
    public static readonly int?[] TransferSizes = [100, 200, 500, 1000];

    /// <summary>
    /// Budgets of the transfer profile by model, data set and training size: more epochs for fewer crystals (a step sees
    /// fewer of them). First estimates, to be re-measured; kept in this one table.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TrainingBudget> TransferBudgets = new Dictionary<string, TrainingBudget>
    {
        [$"cgcnn/{Perov5}/100"] = new(200, 32),
        [$"cgcnn/{Perov5}/200"] = new(120, 32),
        [$"cgcnn/{Perov5}/500"] = new(100, 64),
        [$"cgcnn/{Perov5}/1000"] = new(60, 64),
        [$"cgcnn/{Perov5Ood}"] = new(30, 64),
        [$"{BackendCellRunner.EncoderModel}/{Perov5}/100"] = new(150, 32),
        [$"{BackendCellRunner.EncoderModel}/{Perov5}/200"] = new(100, 32),
        [$"{BackendCellRunner.EncoderModel}/{Perov5}/500"] = new(60, 64),
        [$"{BackendCellRunner.EncoderModel}/{Perov5}/1000"] = new(40, 64),
        [$"{BackendCellRunner.EncoderModel}/{Perov5Ood}"] = new(15, 64),
    };

    /// <summary>
    /// Does a learned element table help CGCNN on small or chemically new data? CGCNN with no chemistry (one-hot), with
    /// CGCNN's own hand-made table and with the MP ct-UAE (pretrained on compositions only, so clean for perov5), frozen;
    /// the MP ct-UAE and cgcnn92 fine-tuned at table learning rates 1e-3 and 1 (with CGCNN's SGD only the latter moves the
    /// table; the report picks one per seed on validation); and whole-encoder transfer from the MP front-end — on perov5 heat_ref with 200 and 1,000 training crystals and on
    /// perov5-ood, 5 seeds. Sized to finish within about 90 minutes on 2 cores (--jobs 2 --threads 1); uses tables and the
    /// front-end pretrained beforehand and never pretrains. <see cref="TransferWide"/> is the wider grid.
    /// </summary>
    public static readonly ReproduceProfile Transfer = new("transfer",
        "CGCNN × {onehot, cgcnn92, ct-uae-mp} frozen, {ct-uae-mp, cgcnn92} fine-tuned (finetune:1e-3, finetune:1), and the mp-composition front-end (encoder transfer), on perov5 heat_ref 200/1,000 and perov5-ood, 5 seeds",
        [
            new GridBlock(["cgcnn"], ["onehot", "cgcnn92", UaeCatalog.Mp], [GridCell.Frozen], TransferCoreData, TransferSeeds),
            new GridBlock(["cgcnn"], [UaeCatalog.Mp, "cgcnn92"], [$"{CellMode.FineTunePrefix}1e-3", $"{CellMode.FineTunePrefix}1"], TransferCoreData, TransferSeeds),
            new GridBlock([BackendCellRunner.EncoderModel], [TransferEncoder], [GridCell.Encoder], TransferCoreData, TransferSeeds),
        ],
        TransferBudgets, MayPretrain: false);

    /// <summary>
    /// The transfer question over a wider grid: more baseline tables, a ct-UAE ⊕ cgcnn92 concatenation, the MP ct-UAE and
    /// cgcnn92 fine-tuned at two table learning rates and with an L2-SP pull, and perov5 100/200/500/1,000 and perov5-ood,
    /// 5 seeds (350 runs; several hours on 2 cores). Its runs are recorded under its own name (a run's identity includes its
    /// profile), so it does not reuse the transfer profile's runs.
    /// </summary>
    public static readonly ReproduceProfile TransferWide = new("transfer-wide",
        "CGCNN × {onehot, cgcnn92, megnet16, mat2vec, std:magpie, ct-uae-mp, std:ct-uae-mp+std:cgcnn92} frozen, {ct-uae-mp, cgcnn92} × {finetune:1e-4, finetune:1e-3, l2sp:1e-3}, and the mp-composition front-end (encoder transfer), on perov5 heat_ref 100/200/500/1,000 and perov5-ood, 5 seeds",
        [
            new GridBlock(["cgcnn"], TransferTables, [GridCell.Frozen], TransferData, TransferSeeds),
            new GridBlock(["cgcnn"], [UaeCatalog.Mp, "cgcnn92"], TransferTunedModes, TransferData, TransferSeeds),
            new GridBlock([BackendCellRunner.EncoderModel], [TransferEncoder], [GridCell.Encoder], TransferData, TransferSeeds),
        ],
        TransferBudgets, MayPretrain: false);

    private static DatasetSpec[] TransferCoreData => [new DatasetSpec(Perov5, HeatRef, [200, 1000]), new DatasetSpec(Perov5Ood, HeatRef, [null])];

    private static DatasetSpec[] TransferData => [new DatasetSpec(Perov5, HeatRef, TransferSizes), new DatasetSpec(Perov5Ood, HeatRef, [null])];

    private static int[] TransferSeeds => [0, 1, 2, 3, 4];
}
