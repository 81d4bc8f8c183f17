using System.Text.Json.Serialization;
using CrystalTransformer.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CrystalTransformer.Models;

/// <summary>How the per-element input table of a graph network is trained.</summary>
public enum ElementTableTraining
{
    /// <summary>The table's values are used as given and never updated (official CGCNN/ALIGNN use fixed features).</summary>
    Frozen,
    /// <summary>Starts from the table's values and is updated at its own (usually low) learning rate (the paper's "CT").</summary>
    FineTune,
    /// <summary>Rows start random (N(0, 1)) and are learned with the rest of the network; only the table's width is used.</summary>
    Scratch,
}

/// <summary>
/// What a model file records about its element table. The values themselves are part of the weights, so a model can
/// never be paired with another element file than the one it was trained with.
/// </summary>
public sealed record ElementTableConfig
{
    /// <summary>Name of the source table (cgcnn92, ct-uae-perov5-mt, a file name, ...).</summary>
    public string Name { get; init; } = "";
    /// <summary>Where it came from (built-in name or path), for provenance.</summary>
    public string Source { get; init; } = "";
    /// <summary>Width of a row.</summary>
    public int Dimension { get; init; }
    /// <summary>Columns were standardised (mean 0, std 1 over the table's trained elements) before use.</summary>
    public bool Standardized { get; init; }
    public ElementTableTraining Training { get; init; } = ElementTableTraining.Frozen;
    /// <summary>
    /// Atomic numbers whose rows hold meaningful values: the table's trained rows plus rows filled by the fallback.
    /// Empty in scratch mode (there the elements of the training data are the usable ones, see the model file).
    /// </summary>
    public int[] Elements { get; init; } = [];
    /// <summary>"zero" or "mean" when elements the data needed were filled in; null when none were.</summary>
    public string? Fallback { get; init; }
    /// <summary>Atomic numbers whose rows were filled by the fallback.</summary>
    public int[] FilledElements { get; init; } = [];
    /// <summary>
    /// Strength α of the L2-SP pull of a fine-tuned table towards its loaded values T0 (null = none): the training loss
    /// gains α / width · Σ over the rows of <see cref="Elements"/> of Σ over columns (T − T0)², i.e. α times the squared
    /// distance per row averaged over the columns, so that α means the same for tables of any width.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? L2Sp { get; init; }

    public void Validate()
    {
        if (Dimension < 1) throw new InputError($"element table '{Name}': width must be positive, got {Dimension}");
        if (L2Sp is double alpha && (alpha < 0 || !double.IsFinite(alpha)))
            throw new InputError($"element table '{Name}': the L2-SP strength must be a finite number ≥ 0, got {alpha}");
        if (L2Sp > 0 && Training != ElementTableTraining.FineTune)
            throw new InputError($"element table '{Name}': the L2-SP pull applies to a fine-tuned table only (it is {Training.ToString().ToLowerInvariant()})");
        if (Elements.Any(z => z is < 1 or > ElementEmbedding.Rows))
            throw new InputError($"element table '{Name}': element numbers must be 1..{ElementEmbedding.Rows}");
    }

    /// <summary>The configuration of a table resolved against a data set (see <see cref="ElementTable.Resolve"/>).</summary>
    public static ElementTableConfig From(ResolvedElementTable resolved, ElementTableTraining training, double? l2Sp = null) => new()
    {
        L2Sp = l2Sp > 0 ? l2Sp : null,
        Name = resolved.Table.Name,
        Source = resolved.Table.Source,
        Dimension = resolved.Table.Dimension,
        Standardized = resolved.Table.Scaling is not null,
        Training = training,
        Elements = training == ElementTableTraining.Scratch ? [] : resolved.Table.Trained.Select(e => e.Z).ToArray(),
        Fallback = resolved.Filled.Count == 0 ? null : resolved.Policy.ToString().ToLowerInvariant(),
        FilledElements = resolved.Filled.Select(m => m.Element.Z).ToArray(),
    };
}

/// <summary>
/// The element-table component shared by the graph networks: a table Z → vector held as a parameter (so the training
/// loop can freeze it or give it its own learning rate), followed by the back-end's own Linear(width → hidden).
/// Row Z − 1 holds element Z. The lookup projects the whole table once and then indexes it, which costs less than
/// projecting every atom and gives each atom the same numbers whatever batch it is in.
/// </summary>
public sealed class ElementEmbedding : nn.Module<Tensor, Tensor>
{
    /// <summary>Rows of every table (Z = 1..118); rows of elements a table does not cover stay zero and are never used.</summary>
    public const int Rows = PeriodicTable.MaxZ;

    // Field names are the parameter names in model files.
    private readonly Parameter table;
    private readonly Linear linear;

    // L2-SP: the loaded rows T0 of Config.Elements and their indices. Set by Load, never registered, so model files
    // are the same with and without the pull.
    private Tensor? _anchor, _anchorRows;

    public ElementTableConfig Config { get; }

    public ElementEmbedding(ElementTableConfig config, int hidden) : base(nameof(ElementEmbedding))
    {
        config.Validate();
        Config = config;
        table = new Parameter(zeros(Rows, config.Dimension));
        linear = nn.Linear(config.Dimension, hidden);
        if (config.Training == ElementTableTraining.Scratch)
            using (no_grad()) table.normal_(0, 1);
        RegisterComponents();
    }

    /// <summary>The table [Rows, Dimension].</summary>
    public Parameter Table => table;

    /// <summary>The back-end's first layer (width → hidden).</summary>
    public Linear Projection => linear;

    /// <summary>Copies a table's rows into the parameter (not in scratch mode, where the rows start random).</summary>
    public void Load(ElementTable source)
    {
        if (source.Dimension != Config.Dimension)
            throw new InputError($"element table '{source.Name}' has width {source.Dimension}, the model expects {Config.Dimension}", source.Source);
        if (Config.Training == ElementTableTraining.Scratch) return;
        var dense = source.ToDenseSingle(Rows);
        using var values = tensor(dense, [Rows, Config.Dimension]);
        using (no_grad()) table.copy_(values);
        if (Config.L2Sp > 0 && Config.Training == ElementTableTraining.FineTune)
        {
            _anchor?.Dispose();
            _anchorRows?.Dispose();
            _anchorRows = tensor(Config.Elements.Select(z => (long)(z - 1)).ToArray(), device: table.device).DetachFromDisposeScope();
            _anchor = table.detach().index_select(0, _anchorRows).clone().DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// The L2-SP penalty α / width · Σ_rows Σ_columns (T − T0)² over the rows of <see cref="ElementTableConfig.Elements"/>,
    /// T0 being the values given to <see cref="Load"/> (see <see cref="ElementTableConfig.L2Sp"/>); null when the pull is off.
    /// </summary>
    public Tensor? L2SpPenalty()
    {
        if (_anchor is null || _anchorRows is null || Config.L2Sp is not double alpha) return null;
        if (_anchor.device != table.device)
        {
            // The model moved after loading (to the training device): follow it once.
            var (anchor, rows) = (_anchor.to(table.device).DetachFromDisposeScope(), _anchorRows.to(table.device).DetachFromDisposeScope());
            _anchor.Dispose();
            _anchorRows.Dispose();
            (_anchor, _anchorRows) = (anchor, rows);
        }
        return (table.index_select(0, _anchorRows) - _anchor).square().sum() * (alpha / Config.Dimension);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _anchor?.Dispose();
            _anchorRows?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <param name="elementIndex">[atoms] Z − 1 of each atom (int64).</param>
    /// <returns>[atoms, hidden] the projected rows (before any activation).</returns>
    public override Tensor forward(Tensor elementIndex)
    {
        return linear.forward(table).index_select(0, elementIndex);
    }

    /// <summary>The table's current values (e.g. a fine-tuned ct-UAE), rows Z − 1, on the CPU.</summary>
    public float[] Values()
    {
        using var t = table.detach().cpu().contiguous();
        return t.data<float>().ToArray();
    }
}
