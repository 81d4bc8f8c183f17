using CrystalTransformer.Cli;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Cli;

/// <summary>The libraries report progress through interfaces; only the command line draws it (Spectre.Console).</summary>
public class ProgressRenderingTests
{
    [Fact]
    public void NoLibraryReferencesTheConsoleRenderer()
    {
        var libraries = new[]
        {
            typeof(CrystalTransformer.Structures.Structure).Assembly, typeof(CrystalTransformer.IO.StructureIO).Assembly,
            typeof(CrystalTransformer.Graphs.CrystalGraph).Assembly, typeof(CrystalTransformer.Models.TrainableModel).Assembly,
            typeof(Trainer).Assembly, typeof(Reproduction).Assembly, typeof(CrystalTransformer.Analysis.EmbeddingAnalyzer).Assembly,
        };
        Assert.Equal(7, libraries.Distinct().Count());
        foreach (var library in libraries)
            Assert.DoesNotContain(library.GetReferencedAssemblies(), a => a.Name == "Spectre.Console");
        Assert.Contains(typeof(CtRoot).Assembly.GetReferencedAssemblies(), a => a.Name == "Spectre.Console");
    }

    private static EpochRecord Epoch(int epoch, bool best) => new(epoch, 3, 1e-3, 0.5 / epoch, [0.25 / epoch], 0.25 / epoch, best, 1.5);

    [Fact]
    public void LineProgressWritesOneLinePerEpochAndEveryMessage()
    {
        var output = new StringWriter();
        int result = TrainingProgress.Run(ProgressMode.Lines, output, observer =>
        {
            observer.Start(0, 3, 10);
            observer.BatchDone();
            observer.EpochDone(Epoch(1, best: true));
            observer.Message("a notice");
            observer.EpochDone(Epoch(2, best: false));
            return 7;
        });
        Assert.Equal(7, result);
        Assert.Equal(
            ["epoch 1/3  loss 0.5000  val MAE 0.2500 *  lr 1e-3  1.5s", "a notice", "epoch 2/3  loss 0.2500  val MAE 0.1250  lr 1e-3  1.5s"],
            output.ToString().TrimEnd('\n').Split('\n'));

        var quiet = new StringWriter();
        TrainingProgress.Run(ProgressMode.Quiet, quiet, observer => { observer.EpochDone(Epoch(1, true)); observer.Message("x"); return 0; });
        Assert.Equal("", quiet.ToString());
    }

    private sealed class RecordingBars : IReproduceBars
    {
        public List<int> Runs { get; } = [];
        public void Run(int cells, Action<IReproduceDisplay> body)
        {
            Runs.Add(cells);
            body(new Display());
        }

        private sealed class Display : IReproduceDisplay
        {
            public ITrainingObserver RunObserver => NullTrainingObserver.Instance;
            public void CellStarted(int index, string description) { }
            public void CellFinished(int index, string line, TimeSpan? remaining) { }
        }
    }

    [Fact]
    public void TheGridLoopDrawsBarsOnlyThroughTheGivenRenderer()
    {
        var bars = new RecordingBars();
        var log = new StringWriter();
        ReproduceProgress.Run(ProgressMode.Bar, log, 2, bars, d => d.CellFinished(0, "cell a: done", TimeSpan.FromSeconds(65)));
        Assert.Equal([2], bars.Runs);
        Assert.Equal("", log.ToString());

        // Lines (and bars asked for without a renderer): one line per cell into the log; device notices once.
        ReproduceProgress.Run(ProgressMode.Bar, log, 2, null, d =>
        {
            d.RunObserver.Message("CUDA is not available");
            d.CellFinished(0, "cell a: done", TimeSpan.FromSeconds(65));
            d.RunObserver.Message("CUDA is not available");
            d.CellFinished(1, "cell b: done", null);
        });
        Assert.Equal(["CUDA is not available", "[1/2] cell a: done; ETA 1 min 05 s", "[2/2] cell b: done; ETA –"],
            log.ToString().TrimEnd('\n').Split('\n'));
        var quiet = new StringWriter();
        ReproduceProgress.Run(ProgressMode.Quiet, quiet, 1, bars, d => d.CellFinished(0, "x", null));
        Assert.Equal("", quiet.ToString());
    }
}
