namespace CrystalTransformer.Training;

/// <summary>
/// The C library's allocator setting ct runs with. glibc gives every large tensor (tens of MB for ALIGNN's bond pairs)
/// fresh memory from the system, paid in one page fault per 4 kB; with transparent huge pages for its allocations
/// (<c>glibc.malloc.hugetlb=1</c>, glibc 2.35 and later) that is one per 2 MB, the same arithmetic and the same peak
/// memory (README, "Benchmarks": ALIGNN 2–4× faster). glibc reads the setting when a process starts, so the launcher script
/// sets it and ct passes it to the worker processes it starts; elsewhere (other C libraries, THP off) it does nothing.
/// </summary>
public static class AllocatorSettings
{
    public const string Variable = "GLIBC_TUNABLES";
    public const string HugePages = "glibc.malloc.hugetlb=1";

    /// <summary>Sets the variable in a child's environment unless this process was given its own tunables.</summary>
    public static void ApplyTo(IDictionary<string, string?> environment)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) environment[Variable] = HugePages;
    }
}
