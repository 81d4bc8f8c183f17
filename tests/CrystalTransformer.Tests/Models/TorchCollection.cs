namespace CrystalTransformer.Tests.Models;

/// <summary>Tests that set torch's global thread count and seed run one after another.</summary>
[CollectionDefinition("torch", DisableParallelization = true)]
public class TorchCollection;
