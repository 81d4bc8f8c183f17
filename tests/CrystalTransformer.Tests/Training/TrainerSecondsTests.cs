using System.Diagnostics;
using CrystalTransformer.Models;
using CrystalTransformer.Training;
using static TorchSharp.torch;

namespace CrystalTransformer.Tests.Training;

[Collection("torch")]
public class TrainerSecondsTests
{
    [Fact]
    public void RecordedLoopTimeNeverExceedsTheWallTimeOfTheRun()
    {
        var data = TinyData.Structures(count: 30);
        set_num_threads(1);
        manual_seed(5);
        using var model = new CrystalTransformerModel(TinyData.TinyModel(), data.Targets.Count);
        var clock = Stopwatch.StartNew();
        var result = Trainer.Train(model, data, TinyData.Options(epochs: 6), new RunSettings { Directory = TinyData.TempDir(), Device = "cpu", Threads = 1 },
            new NullObserver());
        double wall = clock.Elapsed.TotalSeconds;
        // Each epoch adds its own time once (an earlier version added the time since the start at every epoch).
        Assert.InRange(result.Seconds, 0, wall);
    }

    private sealed class NullObserver : ITrainingObserver
    {
        public void Start(int firstEpoch, int epochs, int batchesPerEpoch) { }
        public void BatchDone() { }
        public void EpochDone(EpochRecord record) { }
        public void Message(string line) { }
    }
}
