using System.CommandLine;
using CrystalTransformer.Cli;
using CrystalTransformer.Cli.Commands;

var root = new RootCommand(
    "CrystalTransformer (ct): crystal structures, graphs, universal atomic embeddings (ct-UAE) and graph networks.");

// One file per command under Commands/; each exposes Create().
foreach (var command in new Command[]
         {
             InspectCommand.Create(),
             PretrainCommand.Create(),
             EmbedCommand.Create(),
             TrainCommand.Create(),
             PredictCommand.Create(),
             ModelsCommand.Create(),
             ReproduceCommand.Create(),
             AnalyzeCommand.Create(),
         })
    root.Subcommands.Add(command);

return CommandRunner.Run(root, args);
