using System.CommandLine;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Cli;

/// <summary>
/// The options several commands share, defined once so that each has one meaning everywhere: <c>--quiet</c>,
/// <c>--device</c>, <c>--seed</c> and <c>--threads</c>. Each command adds only how it divides its threads.
/// </summary>
public static class CommonOptions
{
    /// <summary>The seed every command uses unless told otherwise.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The devices <c>--device</c> accepts.</summary>
    public static readonly string[] Devices = ["auto", "cpu", "cuda"];

    /// <summary><c>--quiet</c>: no progress or summary output; results and errors are still written.</summary>
    public static Option<bool> Quiet(string? what = null) => new("--quiet")
    {
        Description = what ?? "no progress or summary output (results and errors are still written)",
    };

    /// <summary><c>--device auto|cpu|cuda</c>, default auto (CUDA when available, else the CPU, silently).</summary>
    public static Option<string> Device() => new("--device")
    {
        Description = DeviceHelp,
        DefaultValueFactory = _ => "auto",
    };

    /// <summary><c>--device</c> of a command that can resume a run: no value = auto, or with --resume the run's own.</summary>
    public static Option<string?> ResumableDevice() => new("--device")
    {
        Description = DeviceHelp + " (with --resume the run's own unless given)",
    };

    private const string DeviceHelp =
        "auto (default: CUDA when available, else the CPU), cpu, or cuda (an error when CUDA is not available)";

    /// <summary><c>--seed</c> with the one default of every command.</summary>
    public static Option<int> Seed(string what) => new("--seed")
    {
        Description = $"{what} (default {DefaultSeed})",
        DefaultValueFactory = _ => DefaultSeed,
    };

    /// <summary><c>--threads N</c>: all CPU threads the command may use (0 = all cores); <paramref name="division"/> says how it divides them.</summary>
    public static Option<int> Threads(string division) => new("--threads")
    {
        Description = $"CPU threads the command may use in all (0 = all cores, the default): {division}",
        DefaultValueFactory = _ => 0,
    };

    /// <summary><c>--threads</c> of a command that can resume a run: no value = all cores, or with --resume the run's own.</summary>
    public static Option<int?> ResumableThreads(string division) => new("--threads")
    {
        Description = $"CPU threads the command may use in all (0 = all cores; default all cores, with --resume the run's own): {division}",
    };

    /// <summary>The thread count a <c>--threads</c> value stands for: 0 = all cores; negative values are refused.</summary>
    public static int ThreadCount(int value) =>
        value < 0 ? throw new UsageError($"--threads must be 0 (all cores) or more, got {value}")
        : value == 0 ? Math.Max(1, Environment.ProcessorCount) : value;

    /// <summary>
    /// Checks a <c>--device</c> value before any work: unknown names are usage errors, and an explicit cuda without CUDA
    /// is refused (auto falls back to the CPU quietly).
    /// </summary>
    public static string CheckDevice(string value)
    {
        string d = value.Trim().ToLowerInvariant();
        if (d != "auto" && d != "cpu" && !d.StartsWith("cuda", StringComparison.Ordinal))
            throw new UsageError($"--device: '{value}' is not one of {string.Join(", ", Devices)}");
        if (d.StartsWith("cuda", StringComparison.Ordinal) && !DeviceChoice.CudaAvailable)
            throw new UsageError($"--device {value}: CUDA is not available (this libtorch is CPU-only, or there is no GPU); use --device cpu or auto");
        return value;
    }

    /// <summary>
    /// Threads and device of a training run from its <c>--threads</c> and <c>--device</c> values: a resumed run continues
    /// with the ones it started with unless told otherwise (a warning when an override breaks bit-identity).
    /// </summary>
    public static (int Threads, string Device) RunSettings(int? threads, string? device, string? resumeDirectory)
    {
        if (threads is int given) ThreadCount(given);
        int runThreads = threads ?? 0;
        string runDevice = CheckDevice(device ?? "auto");
        if (resumeDirectory is null) return (runThreads, runDevice);
        (runThreads, runDevice, string? warning) = ResumeSettings.Resolve(resumeDirectory, threads, device);
        if (warning is not null) Console.Error.WriteLine($"ct: warning: {warning}");
        return (runThreads, CheckDevice(runDevice));
    }

    /// <summary>The values of an option parsed by <see cref="ParseEnum{T}"/>: "a, b or c".</summary>
    public static string Choices<T>() where T : struct, Enum
    {
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        return $"{string.Join(", ", names[..^1])} or {names[^1]}";
    }

    public static T ParseEnum<T>(string value, string option) where T : struct, Enum =>
        Enum.TryParse<T>(value.Replace("-", "").Replace("_", ""), ignoreCase: true, out var v) && Enum.IsDefined(v) ? v
            : throw new UsageError($"{option}: '{value}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}
