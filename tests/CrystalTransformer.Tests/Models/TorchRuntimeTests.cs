using TorchSharp;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Models;

/// <summary>Fails when the native libtorch cannot be loaded (for example a libstdc++ mismatch).</summary>
public class TorchRuntimeTests
{
    [Fact]
    public void CreatesTensorAndMultiplies()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}
