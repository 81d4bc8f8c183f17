using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Graphs;
using CrystalTransformer.IO;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Cli.Commands;

/// <summary>
/// <c>ct inspect FILE...</c>: what each crystal file holds (formula, sites, lattice, volume, density, order, and with
/// --neighbors the neighbour count and nearest distance of every site). A file that cannot be read is reported and the
/// others are still inspected; the exit code is 1 when any file failed.
/// </summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "crystal files (CIF, POSCAR/CONTCAR, extxyz, CSV with a cif column, pymatgen JSON, ASE .db; .gz is fine), CGCNN folders, other folders (every CIF, POSCAR or extxyz file under them) or quoted patterns such as 'dir/*.cif'",
            Arity = ArgumentArity.OneOrMore,
        };
        var json = new Option<bool>("--json") { Description = "one JSON object per line and structure: file, formula, reduced_formula, n_sites, a, b, c, alpha, beta, gamma, volume, density, is_ordered (error when the file failed)" };
        var neighbors = new Option<double?>("--neighbors") { Description = "also count each site's neighbours within R Å and give its nearest neighbour distance" };
        var allBlocks = new Option<bool>("--all-blocks") { Description = "CIF: every data block with atoms, not only the first" };
        var format = new Option<string?>("--format") { Description = "read every file in this format (cif, poscar, extxyz, csv, json, ase-db) instead of deciding from name and content" };
        var maxSize = new Option<double>("--max-size")
        {
            Description = "refuse files larger than this many MB (on disk and after decompression)",
            DefaultValueFactory = _ => 256,
        };
        var occupancyTolerance = new Option<double>("--occupancy-tolerance")
        {
            Description = "CIF: scale down sites whose occupancies add up to more than 1 but at most this (default 1: such files are refused, as pymatgen does)",
            DefaultValueFactory = _ => 1.0,
        };
        var quiet = CommonOptions.Quiet("print only what could not be read (the exit code still says whether every file was read)");
        var command = new Command("inspect", "Show what crystal files hold: formula, sites, lattice, volume, density, order, optionally neighbours.")
        {
            files, json, neighbors, allBlocks, format, maxSize, occupancyTolerance, quiet,
        };
        command.SetAction(p => CommandRunner.Guard(() =>
        {
            double? radius = p.GetValue(neighbors);
            if (radius is double r && !(r > 0 && double.IsFinite(r))) throw new UsageError($"--neighbors must be a positive distance in Å, got {r}");
            double mb = p.GetValue(maxSize);
            if (!(mb > 0)) throw new UsageError($"--max-size must be positive, got {mb}");
            double occupancy = p.GetValue(occupancyTolerance);
            if (!(occupancy >= 1 && double.IsFinite(occupancy))) throw new UsageError($"--occupancy-tolerance must be 1 or more, got {occupancy}");
            var settings = new Settings(p.GetValue(json), radius, p.GetValue(format), (long)(mb * 1024 * 1024),
                ReadOptions.Default with { AllBlocks = p.GetValue(allBlocks), MaxTextLength = (long)(mb * 1024 * 1024), OccupancyTolerance = occupancy },
                p.GetValue(quiet));
            return Run(p.GetValue(files)!, settings, Console.Out);
        }));
        return command;
    }

    /// <summary>One line per object; file names and messages keep their characters ("+", "'", non-ASCII) instead of \\u escapes.</summary>
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="Quiet">Write only the files and records that could not be read.</param>
    public sealed record Settings(bool Json, double? NeighborRadius, string? Format, long MaxBytes, ReadOptions Options, bool Quiet = false);

    /// <summary>Inspects every file; returns 0 when all were read, 1 when some were not.</summary>
    public static int Run(IEnumerable<string> files, Settings settings, TextWriter output)
    {
        bool anyFailed = false, anyBug = false;
        foreach (var file in Expand(files))
        {
            int shown = 0;
            try
            {
                CheckSize(file, settings.MaxBytes);
                // A bad record of a JSON list or an ASE database is reported on its own line; the file's other records are read.
                var options = settings.Options with
                {
                    BadRecord = e =>
                    {
                        anyFailed = true;
                        shown++;
                        string text = e.Message.ReplaceLineEndings(" ");
                        if (settings.Json) output.WriteLine(new JsonObject { ["file"] = file, ["error"] = text }.ToJsonString(JsonOptions));
                        else output.WriteLine($"{file}\n  error: {text}");
                    },
                };
                foreach (var s in StructureIO.ReadLazy(file, options, settings.Format))
                {
                    shown++;
                    if (settings.Quiet) continue;
                    (int[] Counts, double?[] Nearest)? neighbours = settings.NeighborRadius is double r ? Neighbours(s, r) : null;
                    if (settings.Json) output.WriteLine(JsonLine(file, s, neighbours));
                    else WriteText(output, file, s, neighbours, settings.NeighborRadius);
                }
                if (shown == 0) throw new InputError("no structure in file", file);
            }
            catch (Exception e) when (e is InputError or IOException or UnauthorizedAccessException)
            {
                anyFailed = true;
                string message = e is InputError ? e.Message : $"{file}: {e.Message}";
                if (settings.Json) output.WriteLine(new JsonObject { ["file"] = file, ["error"] = message.ReplaceLineEndings(" ") }.ToJsonString(JsonOptions));
                else output.WriteLine($"{file}\n  error: {message.ReplaceLineEndings(" ")}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug must not stop the other files; it is reported, and the exit code says "internal error".
                anyBug = true;
                string message = $"{file}: internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
                if (settings.Json) output.WriteLine(new JsonObject { ["file"] = file, ["error"] = message }.ToJsonString(JsonOptions));
                else output.WriteLine($"{file}\n  error: {message}");
            }
            output.Flush();
        }
        return anyBug ? CommandRunner.ExitInternalError : anyFailed ? CommandRunner.ExitInputError : 0;
    }

    /// <summary>
    /// The files to inspect: a CGCNN folder stays one entry (its reader walks id_prop.csv); any other folder stands for
    /// the crystal files under it, and a pattern the shell left unexpanded ("dir/*.cif") for the files it matches,
    /// both in ordinal name order. Anything else is passed through, so a missing file is reported as such.
    /// </summary>
    public static IEnumerable<string> Expand(IEnumerable<string> arguments)
    {
        foreach (var arg in arguments)
        {
            if (Directory.Exists(arg) && !CgcnnFolder.IsCgcnnFolder(arg))
            {
                var found = Directory.EnumerateFiles(arg, "*", SearchOption.AllDirectories).Where(StructureIO.IsCrystalFileName)
                    .OrderBy(f => f, StringComparer.Ordinal).ToList();
                if (found.Count == 0) yield return arg; // reported by the reader: a folder with nothing to read
                foreach (var f in found) yield return f;
            }
            else if (!File.Exists(arg) && !Directory.Exists(arg) && Path.GetFileName(arg).IndexOfAny(['*', '?']) >= 0)
            {
                string dir = Path.GetDirectoryName(arg) is { Length: > 0 } d ? d : ".";
                var matches = Directory.Exists(dir)
                    ? Directory.EnumerateFiles(dir, Path.GetFileName(arg)).OrderBy(f => f, StringComparer.Ordinal).ToList()
                    : [];
                if (matches.Count == 0) yield return arg;
                foreach (var m in matches) yield return m;
            }
            else yield return arg;
        }
    }

    private static void CheckSize(string file, long maxBytes)
    {
        if (!File.Exists(file)) return; // folders and missing files are reported by the reader
        long length = new FileInfo(file).Length;
        if (length > maxBytes)
            throw new InputError($"file is {length / 1048576.0:0.#} MB, larger than the --max-size limit of {maxBytes / 1048576.0:0.#} MB", file);
    }

    /// <summary>Per site: neighbours within r (periodic images included) and the nearest distance (null when none).</summary>
    private static (int[] Counts, double?[] Nearest) Neighbours(Structure s, double r)
    {
        var list = NeighborList.Build(s, r);
        var counts = new int[s.Count];
        var nearest = new double?[s.Count];
        for (int i = 0; i < s.Count; i++)
        {
            counts[i] = list.RowOffsets[i + 1] - list.RowOffsets[i];
            for (int k = list.RowOffsets[i]; k < list.RowOffsets[i + 1]; k++)
                if (nearest[i] is not double d || list.Distances[k] < d) nearest[i] = list.Distances[k];
        }
        return (counts, nearest);
    }

    private static string JsonLine(string file, Structure s, (int[] Counts, double?[] Nearest)? neighbours)
    {
        var l = s.Lattice;
        var o = new JsonObject
        {
            ["file"] = file,
            ["formula"] = s.Composition.Formula,
            ["reduced_formula"] = s.Composition.ReducedFormula,
            ["n_sites"] = s.Count,
            ["a"] = l.LengthA, ["b"] = l.LengthB, ["c"] = l.LengthC,
            ["alpha"] = l.Alpha, ["beta"] = l.Beta, ["gamma"] = l.Gamma,
            ["volume"] = l.Volume,
            ["density"] = s.Density,
            ["is_ordered"] = s.IsOrdered,
        };
        if (neighbours is var (counts, nearest))
        {
            o["neighbor_counts"] = new JsonArray(counts.Select(c => (JsonNode)c).ToArray());
            o["nearest_distances"] = new JsonArray(nearest.Select(d => d is double v ? (JsonNode)v : null).ToArray());
        }
        return o.ToJsonString(JsonOptions);
    }

    private static void WriteText(TextWriter w, string file, Structure s, (int[] Counts, double?[] Nearest)? neighbours, double? radius)
    {
        var l = s.Lattice;
        var c = s.Composition;
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        w.WriteLine(s.Id.Length > 0 && s.Id != StructureIO.IdFromPath(file) ? $"{file} ({s.Id})" : file);
        w.WriteLine($"  formula    {c.Formula}   reduced {c.ReducedFormula}");
        w.WriteLine($"  sites      {s.Count}, {(s.IsOrdered ? "ordered" : "disordered (partial or mixed occupancy)")}");
        w.WriteLine($"  lattice    a {F(l.LengthA, "F4")}  b {F(l.LengthB, "F4")}  c {F(l.LengthC, "F4")} Å   " +
                    $"α {F(l.Alpha, "F3")}  β {F(l.Beta, "F3")}  γ {F(l.Gamma, "F3")}°");
        w.WriteLine($"  volume     {F(l.Volume, "F4")} Å³   density {F(s.Density, "F4")} g/cm³");
        if (s.Labels.Count > 0)
            w.WriteLine("  labels     " + string.Join("  ", s.Labels.Select(kv => $"{kv.Key}={F(kv.Value, "G6")}")));
        if (neighbours is not var (counts, nearest)) return;
        w.WriteLine($"  neighbours within {F(radius!.Value, "G")} Å (site, species, count, nearest Å):");
        for (int i = 0; i < s.Count; i++)
            w.WriteLine($"    {i + 1,5}  {s.Sites[i].OccupancyString(),-12} {counts[i],6}  {(nearest[i] is double d ? F(d, "F4") : "-")}");
    }
}
