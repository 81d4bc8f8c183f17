using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace CrystalTransformer.Training;

/// <summary>Versions and machine facts recorded with every run.</summary>
public sealed record RunEnvironment(string CtVersion, string TorchSharp, string LibTorch, string DotNet, string Os, string Cpu,
    int Threads, string Device, string StartedUtc)
{
    public static RunEnvironment Capture(Device device) => new(
        typeof(RunEnvironment).Assembly.GetName().Version?.ToString() ?? "",
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "",
        LibTorchVersion,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} logical cores",
        get_num_threads(),
        device.ToString(),
        DateTime.UtcNow.ToString("O"));

    /// <summary>The libtorch version the program was built against (libtorch does not report it through TorchSharp).</summary>
    public static string LibTorchVersion =>
        typeof(RunEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "LibTorchVersion")?.Value ?? "";

    /// <summary>sha256 (hex) of files, in the given order.</summary>
    public static string HashFiles(IEnumerable<string> paths)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var p in paths)
        {
            using var s = File.OpenRead(p);
            int n;
            while ((n = s.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Picks the compute device: CUDA when asked or available, with a one-line notice when it is not.</summary>
public static class DeviceChoice
{
    /// <param name="requested">"auto", "cpu" or "cuda" (or "cuda:N"). auto falls back to the CPU (with a notice) when CUDA
    /// is not available; an explicit cuda is then refused.</param>
    public static Device Resolve(string requested, Action<string>? notice)
    {
        string r = requested.Trim().ToLowerInvariant();
        if (r == "cpu") return CPU;
        if (r != "auto" && !r.StartsWith("cuda", StringComparison.Ordinal))
            throw new Structures.InputError($"unknown device '{requested}' (use cpu, cuda or auto)");
        if (CudaAvailable) return r == "auto" ? CUDA : new Device(r);
        if (r != "auto")
            throw new Structures.InputError($"device '{requested}': CUDA is not available (CPU-only libtorch or no GPU); use cpu or auto");
        notice?.Invoke("CUDA is not available (CPU-only libtorch or no GPU); training on the CPU");
        return CPU;
    }

    /// <summary>Whether libtorch can use a CUDA device here.</summary>
    public static bool CudaAvailable => cuda.is_available();
}
