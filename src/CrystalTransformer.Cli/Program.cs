using System.CommandLine;
using CrystalTransformer.Cli;

var root = new RootCommand(
    "CrystalTransformer (ct): crystal structures, graphs, universal atomic embeddings (ct-UAE) and graph networks.");

// One file per command under Commands/; each exposes Create().
foreach (var command in new Command[]
         {
             CrystalTransformer.Cli.Commands.PretrainCommand.Create(),
             CrystalTransformer.Cli.Commands.EmbedCommand.Create(),
             CrystalTransformer.Cli.Commands.TrainCommand.Create(),
             CrystalTransformer.Cli.Commands.PredictCommand.Create(),
             CrystalTransformer.Cli.Commands.ModelsCommand.Create(),
         })
    root.Subcommands.Add(command);

return CommandRunner.Run(root, args);
