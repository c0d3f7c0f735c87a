using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinnServe.Cli;

/// <summary>An error in what the user asked for: printed without a stack trace, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Shared conventions of every `pinn` command: --json, error reporting, exit codes.</summary>
public static class CliOutput
{
    /// <summary>--json: print exactly one JSON object as the last line of standard output.</summary>
    public static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print one JSON object with the results as the last line of standard output.",
        Recursive = true,
    };

    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'pinn --help' for usage.");
            return 2;
        }
        try
        {
            // Our handlers below print clean messages; System.CommandLine's default handler would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Writes the command's result object as one compact JSON line when --json was given.</summary>
    public static void WriteResult(ParseResult parse, JsonObject result)
    {
        if (parse.GetValue(JsonOption))
            Console.Out.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    public static bool IsJson(ParseResult parse) => parse.GetValue(JsonOption);
}
