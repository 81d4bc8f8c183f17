using CrystalTransformer.Reproduce;
using CrystalTransformer.Tests.Training;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Reproduce;

/// <summary>Two ct reproduce on one output folder: every cell is claimed and trained once.</summary>
public class ClaimTests
{
    [Fact]
    public void AClaimIsHeldByOneOwnerUntilReleased()
    {
        string run = Path.Combine(TinyData.TempDir(), "runs", "cell-abc");
        Assert.False(CellClaim.IsHeld(run));
        using (var first = CellClaim.TryTake(run))
        {
            Assert.NotNull(first);
            Assert.Null(CellClaim.TryTake(run));
            Assert.True(CellClaim.IsHeld(run));
        }
        Assert.False(CellClaim.IsHeld(run));
        using var again = CellClaim.TryTake(run);
        Assert.NotNull(again);
    }

    /// <summary>While the first process trains its first cell, a second one starts on the same folder and runs to its end.</summary>
    private sealed class SecondStartsDuringFirstCell(FakeCellRunner inner, string output) : ICellRunner
    {
        public ReproduceSummary? Second { get; private set; }

        public TrainingResult Run(CellRequest request, ITrainingObserver observer)
        {
            if (Second is null)
            {
                Second = new ReproduceSummary(0, 0, 0, 0, 0, null); // (set before the nested run: it must not start a third)
                Second = ReproductionTests.Run(output, inner);
            }
            return inner.Run(request, observer);
        }
    }

    [Fact]
    public void TwoReproductionsOnOneFolderTrainEveryCellOnce()
    {
        string dir = TinyData.TempDir();
        var fake = new FakeCellRunner();
        var runner = new SecondStartsDuringFirstCell(fake, dir);
        var first = ReproductionTests.Run(dir, runner);
        var second = runner.Second!;
        int cells = ReproductionTests.SmallProfile().Expand().Count;

        // Every cell trained exactly once between the two; the second left the first's cell to it and the first left the
        // cells the second finished.
        Assert.Equal(cells, fake.Calls.Count);
        Assert.Equal(cells, fake.Calls.Select(c => c.Cell.Key).Distinct().Count());
        Assert.Equal(1, second.Elsewhere);
        Assert.Equal(cells - 1, second.Ran);
        Assert.Equal(1, first.Ran);
        Assert.Equal(cells - 1, first.Elsewhere);
        Assert.Equal(0, first.Failed + second.Failed);
        using var store = ResultsStore.Open(Path.Combine(dir, ResultsStore.FileName));
        Assert.Equal(cells, store.Count);
    }
}
