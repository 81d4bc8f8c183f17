using System.Security.Cryptography;
using CrystalTransformer.Analysis.Numerics;
using ScottPlot;

namespace CrystalTransformer.Analysis;

/// <summary>analysis.json: the settings, table and data hashes, versions and timings of a <c>ct analyze</c> run.</summary>
internal static class AnalysisRunRecord
{
    public static void Write(string outDir, AnalysisResult result, List<CompoundDataset> datasets)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            var o = result.Options;
            w.WriteStartObject();
            w.WriteString("command", o.CommandLine ?? "");
            w.WriteNumber("seed", o.Seed);
            w.WriteNumber("threads", o.Threads);
            w.WriteBoolean("standardize", o.Standardize);
            w.WriteNumber("folds", o.Folds);
            w.WriteString("fold_rule", "element i (in order of Z among the elements with the property) is held out in fold i mod folds");
            w.WriteStartArray("ridge_alphas"); foreach (var a in RidgeCv.DefaultAlphas) w.WriteNumberValue(a); w.WriteEndArray();
            w.WriteNumber("k_min", o.KMin); w.WriteNumber("k_max", o.KMax); w.WriteNumber("scan_seeds", o.ScanSeeds);
            if (o.ForcedK is int k) w.WriteNumber("forced_k", k);
            w.WriteNumber("mantel_permutations", o.Permutations);
            w.WriteNumber("trustworthiness_k", o.TrustworthinessK);
            w.WriteStartArray("properties"); foreach (var p in o.Properties) w.WriteStringValue(p); w.WriteEndArray();
            w.WriteStartArray("tables");
            foreach (var t in result.Tables)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Table.Name);
                w.WriteString("source", t.Table.Source);
                w.WriteNumber("elements", t.Elements.Count);
                w.WriteNumber("dimension", t.Table.Dimension);
                w.WriteStartArray("untrained"); foreach (var e in t.Table.Untrained) w.WriteStringValue(e.Symbol); w.WriteEndArray();
                w.WriteString("sha256_of_values", t.Table.ContentHash());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("datasets");
            foreach (var d in datasets)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                w.WriteString("path", Path.GetFullPath(d.Path));
                w.WriteString("sha256", FileHash(d.Path));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("versions");
            w.WriteString("ct", typeof(AnalysisRunRecord).Assembly.GetName().Version?.ToString());
            w.WriteString("dotnet", Environment.Version.ToString());
            w.WriteString("MathNet.Numerics", typeof(MathNet.Numerics.Control).Assembly.GetName().Version?.ToString());
            w.WriteString("ScottPlot", typeof(Plot).Assembly.GetName().Version?.ToString());
            w.WriteEndObject();
            w.WriteStartObject("timings_seconds");
            foreach (var (stage, span) in result.Timings) w.WriteNumber(stage, Math.Round(span.TotalSeconds, 3));
            foreach (var t in result.Tables)
            {
                w.WriteStartObject($"table {t.Table.Name}");
                w.WriteNumber("total", Math.Round(t.Elapsed.TotalSeconds, 3));
                foreach (var (stage, span) in t.Stages) w.WriteNumber(stage, Math.Round(span.TotalSeconds, 3));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        IO.TextFiles.WriteAllTextAtomic(Path.Combine(outDir, "analysis.json"), System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>SHA-256 over the trained rows (symbol and values), so that a record identifies the numbers analysed.</summary>
    private static string FileHash(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
