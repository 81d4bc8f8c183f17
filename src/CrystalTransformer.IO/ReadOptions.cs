namespace CrystalTransformer.IO;

/// <summary>Options shared by all structure readers; each reader uses the ones that apply to its format.</summary>
public sealed record ReadOptions
{
    public static readonly ReadOptions Default = new();

    /// <summary>CIF: read every data block (default: the first block that holds a structure).</summary>
    public bool AllBlocks { get; init; }

    /// <summary>CIF: fractional distance under which symmetry-generated sites are merged (pymatgen's site_tolerance).</summary>
    public double SiteTolerance { get; init; } = 1e-4;

    /// <summary>
    /// CIF: a site whose occupancies add up to more than 1 but not more than this is scaled down to 1; above it the file
    /// is refused (pymatgen's occupancy_tolerance; the default 1 refuses every overfilled site, as pymatgen does).
    /// </summary>
    public double OccupancyTolerance { get; init; } = 1.0;

    /// <summary>POSCAR: species for VASP 4 files that have no species line.</summary>
    public IReadOnlyList<string>? Species { get; init; }

    /// <summary>CSV: name of the column holding CIF text (default "cif").</summary>
    public string CifColumn { get; init; } = "cif";

    /// <summary>CSV: name of the id column (default "id", else "material_id", else the row number).</summary>
    public string? IdColumn { get; init; }

    /// <summary>Largest text a reader accepts, in characters (after decompression); larger input is a clear error, not a hang.</summary>
    public long MaxTextLength { get; init; } = 256L << 20;

    /// <summary>
    /// Largest size a gzip-compressed binary input (an ASE database) may inflate to, in bytes: it is decompressed into a
    /// temporary file first, so a gzip bomb is refused before it fills the disk.
    /// </summary>
    public long MaxBinaryBytes { get; init; } = 4L << 30;

    /// <summary>
    /// Most sites one structure may have (after CIF symmetry expansion); larger structures are refused before their sites
    /// are built, so reading stays within bounded memory (about 0.5 GB for a million sites).
    /// </summary>
    public int MaxSites { get; init; } = StructureLimits.DefaultMaxSites;

    /// <summary>
    /// Formats of independent records (pymatgen JSON lists and records, ASE databases) report a record that cannot be
    /// read here, with the file and record named, and go on with the next; null: such a record is an error that ends
    /// the reading. Text formats whose position is lost after an error (CIF, POSCAR, extxyz) always stop.
    /// </summary>
    public Action<Structures.InputError>? BadRecord { get; init; }

    /// <summary>Receives one-line warnings (for example overlapping atoms); null ignores them.</summary>
    public Action<string>? Warning { get; init; }
}
