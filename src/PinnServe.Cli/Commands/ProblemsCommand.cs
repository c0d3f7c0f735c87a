using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Physics.Files;
using Spectre.Console;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn problems`: the problem catalog with each problem's parameters and defaults.</summary>
internal static class ProblemsCommand
{
    public static Command Create()
    {
        var command = new Command("problems", "List the PDE problems PinnServe can train, with their parameters; --file F prints a problem file as parsed.");
        var file = new Option<string?>("--file") { Description = "A problem file (.toml, .yaml, .json) to parse and print back." };
        var param = new Option<string[]>("--param") { Description = "Parameter override for --file, name=value (repeatable)." };
        command.Options.Add(file);
        command.Options.Add(param);
        command.SetAction(parse =>
        {
            if (parse.GetValue(file) is { } path)
            {
                FileProblem problem;
                Training.SettingNameRegistration.EnsureRegistered();   // the weighting schemes' names, checked at their line and column
                try { problem = ProblemFiles.Load(path, TrainOptions.ParsePairs(parse.GetValue(param), "--param")); }
                catch (Exception e) when (e is ArgumentException or FileNotFoundException) { throw new UsageException(e.Message); }
                var (text, json) = ProblemDescription.Describe(problem);
                if (!CliOutput.IsJson(parse)) Console.WriteLine(text);
                CliOutput.WriteResult(parse, new JsonObject { ["problem"] = json });
                return 0;
            }

            var list = new JsonArray();
            var table = new Table().AddColumns("problem", "equation", "inputs", "outputs", "parameters (defaults)", "terms", "defaults");
            foreach (var p in ProblemCatalog.All().OrderBy(p => p.Name))
            {
                var d = p.Defaults;
                string parameters = string.Join(", ", p.Parameters.Select(kv => $"{kv.Key}={kv.Value:G6}"));
                string terms = string.Join(", ", p.Terms.Select(t => $"{t.Name} ({t.Role.ToString().ToLowerInvariant()})"));
                string defaults = $"{d.Model} {d.Network.Layers}, {d.Adam.Iterations} iters, " + (d.Sampling.FullBatch ? $"full batch {d.Sampling.ResidualPoints}/{d.Sampling.ConditionPoints}" : $"batch {d.Sampling.Batch}");
                table.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Title), string.Join(",", p.Domain.Names), string.Join(",", p.Outputs),
                    Markup.Escape(parameters), Markup.Escape(terms), Markup.Escape(defaults));
                var paramsJson = new JsonObject();
                foreach (var (k, v) in p.Parameters) paramsJson[k] = v;
                list.Add(new JsonObject
                {
                    ["name"] = p.Name, ["title"] = p.Title,
                    ["inputs"] = new JsonArray(p.Domain.Axes.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["min"] = a.Min, ["max"] = a.Max }).ToArray()),
                    ["outputs"] = new JsonArray(p.Outputs.Select(o => (JsonNode)o).ToArray()),
                    ["parameters"] = paramsJson,
                    ["terms"] = new JsonArray(p.Terms.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["role"] = t.Role.ToString().ToLowerInvariant() }).ToArray()),
                    ["default_model"] = d.Model, ["default_layers"] = d.Network.Layers, ["default_iterations"] = d.Adam.Iterations,
                });
            }
            if (!CliOutput.IsJson(parse)) AnsiConsole.Write(table);
            CliOutput.WriteResult(parse, new JsonObject { ["problems"] = list });
            return 0;
        });
        return command;
    }
}
