using System.CommandLine;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;
using CrystalTransformer.IO;
using CrystalTransformer.Reproduce;
using CrystalTransformer.Structures;
using CrystalTransformer.Training;

namespace CrystalTransformer.Tests.Cli;

/// <summary>The options every command shares (--quiet, --device, --seed, --threads) and the exit codes of the program.</summary>
public sealed class CommonOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-options-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every command and subcommand that does work (completion only prints a script).</summary>
    private static List<Command> Commands() => Commands(CtRoot.Create());

    private static List<Command> Commands(RootCommand root)
    {
        var all = new List<Command>();
        void Add(Command c)
        {
            if (c.Name != "completion") all.Add(c);
            foreach (var sub in c.Subcommands) Add(sub);
        }
        foreach (var c in root.Subcommands) Add(c);
        return all;
    }

    private static string Path(Command c) => c.Parents.OfType<Command>().FirstOrDefault() is { } parent && parent is not RootCommand ? $"{parent.Name} {c.Name}" : c.Name;

    private static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        int code = CommandRunner.Run(CtRoot.Create(), args, new InvocationConfiguration { Output = TextWriter.Null, Error = error });
        return (code, error.ToString());
    }

    [Fact]
    public void EveryCommandHasQuiet()
    {
        var missing = Commands().Where(c => !c.Options.Any(o => o.Name == "--quiet")).Select(Path).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void SeedDefaultsTo42AndDeviceToAutoWherever()
    {
        var root = CtRoot.Create();
        var withSeed = Commands(root).Where(c => c.Options.Any(o => o.Name == "--seed")).ToList();
        Assert.Equal(["analyze", "pretrain", "train"], withSeed.Select(c => c.Name).Order());
        foreach (var c in withSeed)
        {
            var seed = (Option<int>)c.Options.Single(o => o.Name == "--seed");
            Assert.Equal(42, root.Parse([c.Name]).GetValue(seed));
        }

        var withDevice = Commands(root).Where(c => c.Options.Any(o => o.Name == "--device")).ToList();
        Assert.Equal(["predict", "pretrain", "reproduce", "train"], withDevice.Select(c => c.Name).Order());
        foreach (var c in withDevice)
        {
            var option = c.Options.Single(o => o.Name == "--device");
            var parsed = root.Parse([c.Name]);
            // Resumable commands leave it unset (auto, or the resumed run's own); the others say auto.
            bool resumable = c.Options.Any(o => o.Name == "--resume");
            Assert.Equal(resumable ? null : "auto", parsed.GetValue((Option<string>)option));
            Assert.Equal(resumable, option.Description!.Contains("with --resume the run's own"));
            Assert.StartsWith("auto (default", option.Description);
        }
    }

    [Fact]
    public void ThreadsMeansAllThreadsOfTheCommandAndSaysHowTheyAreDivided()
    {
        var withThreads = Commands().Where(c => c.Options.Any(o => o.Name == "--threads")).ToList();
        Assert.Equal(["analyze", "predict", "pretrain", "reproduce", "train"], withThreads.Select(c => c.Name).Order());
        foreach (var c in withThreads)
        {
            var option = c.Options.Single(o => o.Name == "--threads");
            Assert.StartsWith("CPU threads the command may use in all (0 = all cores", option.Description);
            Assert.Contains("): ", option.Description);
        }
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), CommonOptions.ThreadCount(0));
        Assert.Equal(3, CommonOptions.ThreadCount(3));
        Assert.Throws<UsageError>(() => CommonOptions.ThreadCount(-1));

        // ct reproduce --jobs N: each worker gets an equal share, at least one; one process keeps them all.
        Assert.Equal(4, ReproduceOptions.ThreadsPerWorker(8, 2));
        Assert.Equal(1, ReproduceOptions.ThreadsPerWorker(1, 2));
        Assert.Equal(3, ReproduceOptions.ThreadsPerWorker(3, 1));
        Assert.Equal(0, ReproduceOptions.ThreadsPerWorker(0, 1));
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), ReproduceOptions.ThreadsPerWorker(0, 2));
    }

    [Fact]
    public void ExplicitCudaWithoutCudaIsAUsageErrorWhileAutoFallsBack()
    {
        Assert.Equal("auto", CommonOptions.CheckDevice("auto"));
        Assert.Equal("cpu", CommonOptions.CheckDevice("cpu"));
        Assert.Throws<UsageError>(() => CommonOptions.CheckDevice("gpu"));
        if (DeviceChoice.CudaAvailable)
        {
            Assert.Equal("cuda", CommonOptions.CheckDevice("cuda"));
            return;
        }
        var e = Assert.Throws<UsageError>(() => CommonOptions.CheckDevice("cuda"));
        Assert.Equal("--device cuda: CUDA is not available (this libtorch is CPU-only, or there is no GPU); use --device cpu or auto", e.Message);
        Assert.Equal(TorchSharp.torch.CPU.type, DeviceChoice.Resolve("auto", null).type);
        // The library refuses it too (a resumed run recorded on a GPU machine, a caller other than the command line).
        Assert.Throws<CrystalTransformer.Structures.InputError>(() => DeviceChoice.Resolve("cuda", null));

        string cif = BuiltInData.PathOf("samples", "cgcnn_cif", Directory.GetFiles(BuiltInData.PathOf("samples", "cgcnn_cif"), "*.cif").Select(System.IO.Path.GetFileName).First()!);
        Assert.Equal(CommandRunner.ExitUsage, Run("predict", "--model", "cgcnn-perov5", "--device", "cuda", cif).Code);
        Assert.Equal(CommandRunner.ExitUsage, Run("train", "--model", "cgcnn", "--data", "perov5", "--targets", "heat_ref", "--device", "cuda", "--out", _dir).Code);
        Assert.False(File.Exists(System.IO.Path.Combine(_dir, Trainer.ConfigFile)));
    }

    [Fact]
    public void ParseErrorsAndBadOptionValuesExitWithTheUsageCode()
    {
        var (unknown, error) = Run("train", "--no-such-option");
        Assert.Equal(CommandRunner.ExitUsage, unknown);
        Assert.Contains("--no-such-option", error);
        Assert.Equal(CommandRunner.ExitUsage, Run("analyze", "--embedding", "cgcnn92", "--threads", "many").Code);
        Assert.Equal(CommandRunner.ExitUsage, Run("predict").Code);                 // --model is required
        Assert.Equal(CommandRunner.ExitUsage, Run().Code);                          // no command
        Assert.Equal(CommandRunner.ExitUsage, Run("analyze", "--embedding", "cgcnn92", "--folds", "1", "--out", _dir).Code);
        Assert.Equal(CommandRunner.ExitUsage, Run("analyze", "--embedding", "cgcnn92", "--threads", "-2", "--out", _dir).Code);
        Assert.Equal(CommandRunner.ExitUsage, Run("train", "--model", "cgcnn", "--data", "perov5", "--targets", "heat_ref", "--embedding-mode", "thawed", "--out", _dir).Code);
        Assert.Equal(CommandRunner.ExitUsage, Run("embed", "--out", _dir).Code);   // neither --model nor --checkpoint
        // Bad input (not options) keeps its own code.
        Assert.Equal(CommandRunner.ExitInputError, Run("analyze", "--embedding", "nosuch", "--out", _dir, "--quiet").Code);
        Assert.Equal(0, Run("--version").Code);

        // The documented codes (README, Reliability).
        int[] codes = [CommandRunner.ExitOk, CommandRunner.ExitInputError, CommandRunner.ExitUsage, CommandRunner.ExitInternalError,
            CommandRunner.ExitFailedCells, CommandRunner.ExitCancelled];
        Assert.Equal([0, 1, 2, 3, 4, 130], codes);
    }

    [Fact]
    public void QuietInspectShowsOnlyWhatCouldNotBeRead()
    {
        string good = Directory.GetFiles(BuiltInData.PathOf("samples", "cgcnn_cif"), "*.cif").First();
        string bad = System.IO.Path.Combine(_dir, "bad.cif");
        File.WriteAllText(bad, "data_x\n_cell_length_a 5.4x\n");
        var output = new StringWriter();
        int code = InspectCommand.Run([good, bad], new InspectCommand.Settings(false, null, null, 256 << 20, ReadOptions.Default, Quiet: true), output);
        Assert.Equal(CommandRunner.ExitInputError, code);
        string text = output.ToString();
        Assert.StartsWith($"{bad}\n  error: ", text);
        Assert.DoesNotContain(good, text);

        var all = new StringWriter();
        Assert.Equal(0, InspectCommand.Run([good], new InspectCommand.Settings(false, null, null, 256 << 20, ReadOptions.Default, Quiet: true), all));
        Assert.Equal("", all.ToString());
    }
}
