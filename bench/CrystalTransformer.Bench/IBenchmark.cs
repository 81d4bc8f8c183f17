namespace CrystalTransformer.Bench;

/// <summary>One benchmark, selected on the command line by <see cref="Name"/>.</summary>
public interface IBenchmark
{
    /// <summary>Command-line name (lower case).</summary>
    string Name { get; }
    /// <summary>One line for the list of benchmarks.</summary>
    string Description { get; }
    /// <summary>Runs with the remaining arguments; returns the exit code.</summary>
    int Run(string[] args);
}
