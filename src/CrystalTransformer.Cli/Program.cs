using CrystalTransformer.Cli;

return CommandRunner.Run(CtRoot.Create(), args);
