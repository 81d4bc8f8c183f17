using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Training;

/// <summary>
/// The execution settings a resumed run continues with: the torch thread count and device recorded in its config.json,
/// unless the command overrides them. Numbers repeat an uninterrupted run bit for bit only at the same thread count (and
/// device), so an override that differs comes with a warning.
/// </summary>
public static class ResumeSettings
{
    /// <summary>Threads and device for resuming <paramref name="runDirectory"/>, and a warning when an override breaks bit-identity.</summary>
    public static (int Threads, string Device, string? Warning) Resolve(string runDirectory, int? threads, string? device)
    {
        var (recordedThreads, recordedDevice) = Recorded(runDirectory);
        var warnings = new List<string>();
        int t = threads ?? recordedThreads ?? 0;
        if (threads is int given && recordedThreads is int was && given != was && !(given == 0 && was == Environment.ProcessorCount))
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"--threads {given}: the run started with {was} torch thread(s)"));
        string d = device ?? recordedDevice ?? "auto";
        if (device is { } dev && recordedDevice is { } before && !SameDevice(dev, before))
            warnings.Add($"--device {dev}: the run started on {before}");
        string? warning = warnings.Count == 0 ? null
            : string.Join("; ", warnings) + ", so its numbers will not repeat an uninterrupted run bit for bit";
        return (t, d, warning);
    }

    private static bool SameDevice(string requested, string recorded)
    {
        string r = requested.Trim().ToLowerInvariant(), c = recorded.Trim().ToLowerInvariant();
        return r == c || (r == "auto" && (c == "cpu" ? !TorchSharp.torch.cuda.is_available() : TorchSharp.torch.cuda.is_available()))
            || (r == "cuda" && c.StartsWith("cuda", StringComparison.Ordinal));
    }

    /// <summary>The thread count and device config.json records (null for what it lacks).</summary>
    public static (int? Threads, string? Device) Recorded(string runDirectory)
    {
        string path = Path.Combine(runDirectory, Trainer.ConfigFile);
        if (!File.Exists(path)) return (null, null);
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            int? threads = node?["threads"] is JsonValue v && v.TryGetValue(out int n) && n > 0 ? n : null;
            string? device = node?["device"] is JsonValue dv && dv.TryGetValue(out string? s) ? s : null;
            return (threads, device);
        }
        catch (JsonException ex) { throw new InputError($"not valid JSON ({ex.Message.ReplaceLineEndings(" ")})", path); }
    }
}
