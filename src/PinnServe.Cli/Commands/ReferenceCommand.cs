using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Reference;
using PinnServe.Reference.Files;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn reference &lt;problem&gt;`: computes a reference solution and writes it as .npz, .npy or .csv.</summary>
internal static class ReferenceCommand
{
    public static Command Create()
    {
        var problem = new Argument<string>("problem") { Description = $"One of: {string.Join(", ", ReferenceSolutions.Problems)}." };
        var parameters = new Option<string[]>("--param")
        {
            Description = "A problem parameter as name=value (repeatable), e.g. --param nu=0.005 or --param re=400.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var grid = new Option<string?>("--grid")
        {
            Description = "Output grid sizes in axis order, e.g. 100x256 (burgers, allen-cahn: t×x) or 129x129 (cavity: x×y nodes).",
        };
        var output = new Option<string>("--out")
        {
            Description = "Output file: .npz (arrays + metadata.json), .npy (table; metadata in FILE.json) or .csv (likewise).",
            Required = true,
        };
        var command = new Command("reference", "Compute a reference solution (Burgers, Allen–Cahn, lid-driven cavity) on a grid.")
        {
            problem, parameters, grid, output,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(problem)!;
            string path = parse.GetValue(output)!;
            var values = ParseParameters(parse.GetValue(parameters) ?? []);
            string? gridText = parse.GetValue(grid);
            ReferenceSolution solution;
            var clock = Stopwatch.StartNew();
            try
            {
                if (!ReferenceFiles.Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
                    throw new UsageException($"--out '{path}': use a .npz, .npy or .csv file.");
                if (gridText is not null)
                    foreach (var (key, value) in ReferenceSolutions.GridParameters(name, ParseGrid(gridText)))
                        values[key] = value;
                var progress = new Progress(line => Console.Error.WriteLine(line));
                solution = ReferenceSolutions.Compute(name, values, progress);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            catch (InvalidOperationException e) // e.g. a cavity solve that does not converge for the given Re and grid
            {
                throw new UsageException($"{name}: {e.Message} Try a finer grid or a larger --param tolerance.");
            }
            double seconds = clock.Elapsed.TotalSeconds;
            ReferenceFiles.Write(solution, path);

            var written = new JsonArray(JsonValue.Create(Path.GetFullPath(path)));
            if (!path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
                written.Add(JsonValue.Create(Path.GetFullPath(ReferenceFiles.SidecarPath(path))));
            var parametersJson = new JsonObject();
            foreach (var (key, value) in solution.Parameters) parametersJson[key] = value;
            var result = new JsonObject
            {
                ["problem"] = solution.Problem,
                ["path"] = Path.GetFullPath(path),
                ["files"] = written,
                ["axes"] = new JsonArray(solution.Axes.Select(a => (JsonNode)JsonValue.Create(a.Name)!).ToArray()),
                ["shape"] = new JsonArray(solution.Shape.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
                ["fields"] = new JsonArray(solution.FieldNames.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
                ["parameters"] = parametersJson,
                ["seconds"] = Math.Round(seconds, 3),
            };
            if (!CliOutput.IsJson(parse))
                Console.Out.WriteLine($"wrote {path}: {solution.Problem} on {string.Join('×', solution.Shape)} " +
                    $"({string.Join(", ", solution.Axes.Select(a => a.Name))}), fields {string.Join(", ", solution.FieldNames)}, {seconds:F1} s");
            CliOutput.WriteResult(parse, result);
            return 0;
        });
        return command;
    }

    private static Dictionary<string, double> ParseParameters(IEnumerable<string> pairs)
    {
        var values = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0 || !double.TryParse(pair[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new UsageException($"--param '{pair}': expected name=value with a number, e.g. nu=0.00318.");
            values[pair[..equals].Trim()] = value;
        }
        return values;
    }

    private static int[] ParseGrid(string text)
    {
        string[] parts = text.Split('x', 'X', '×');
        var sizes = new int[parts.Length];
        for (int k = 0; k < parts.Length; k++)
            if (!int.TryParse(parts[k], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[k]) || sizes[k] < 1)
                throw new UsageException($"--grid '{text}': expected sizes like 100x256.");
        return sizes;
    }

    /// <summary>Writes progress lines as they come (System.Progress would post them to the thread pool).</summary>
    private sealed class Progress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
