using System.CommandLine;
using PinnServe.Cli;
using PinnServe.Cli.Commands;

// The `pinn` command. Each subcommand lives in Commands/<Name>Command.cs and exposes Create().
var root = new RootCommand("PinnServe: train, diagnose, export and serve physics-informed neural networks.");
root.Options.Add(CliOutput.JsonOption);
foreach (var command in new[]
{
    ProblemsCommand.Create(),
})
{
    root.Subcommands.Add(command);
}
return CliOutput.Run(root, args);
