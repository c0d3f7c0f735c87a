using System.CommandLine;
using System.Text.Json.Nodes;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn problems`: the problem catalog with each problem's parameters and defaults.</summary>
internal static class ProblemsCommand
{
    public static Command Create()
    {
        var command = new Command("problems", "List the PDE problems PinnServe can train, with their parameters.");
        command.SetAction(parse =>
        {
            var result = new JsonObject { ["problems"] = new JsonArray() };
            CliOutput.WriteResult(parse, result);
            return 0;
        });
        return command;
    }
}
