using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PinnServe.Training;

namespace PinnServe.Cli;

/// <summary>An error in what the user asked for: printed without a stack trace, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Shared conventions of every `pinn` command: --json, error reporting, exit codes. The exit-code contract (README,
/// "Exit codes"): <see cref="Ok"/> 0, <see cref="RunFailed"/> 1 (a run failed: I/O, a resource, a bug),
/// <see cref="BadInput"/> 2 (arguments, problem files, data files, run directories that cannot be read),
/// <see cref="Diverged"/> 3 (training diverged). Errors print one line "error: …" on standard error, never a
/// stack trace (set PINN_DEBUG=1 to get one), and never a local absolute path.
/// </summary>
public static partial class CliOutput
{
    public const int Ok = 0, RunFailed = 1, BadInput = 2, Diverged = 3;

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
            return BadInput;
        }
        try
        {
            // Our handlers below print clean messages; System.CommandLine's default handler would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var (code, message) = Describe(e);
            Console.Error.WriteLine($"error: {message}");
            if (Environment.GetEnvironmentVariable("PINN_DEBUG") is { Length: > 0 } and not "0") Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>The exit code and the one-line message for an exception that ended a command (the contract above).</summary>
    public static (int Code, string Message) Describe(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && e.InnerException is { } inner) e = inner;
        int code = e switch
        {
            TrainingDivergedException => Diverged,
            UsageException or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                or JsonException or FormatException or NotSupportedException or OverflowException
                or PinnServe.Training.Runs.RunDataException => BadInput,
            _ => RunFailed,
        };
        string message = e switch
        {
            ArgumentException { ParamName: { } name } a => a.Message.Replace($" (Parameter '{name}')", ""),
            UsageException or ArgumentException or IOException or InvalidDataException or JsonException or FormatException or NotSupportedException
                or TrainingDivergedException or InvalidOperationException or UnauthorizedAccessException or OverflowException => e.Message,
            Grpc.Core.RpcException r => $"the server answered {r.StatusCode}: {r.Status.Detail}",
            OutOfMemoryException => "out of memory: the problem, batch or data is too large for this machine",
            OperationCanceledException => "cancelled",
            // Anything else is a defect of pinn, not of the input: say so without its internal message.
            _ => "an internal error stopped the command (a bug in pinn: please report it with the command line; PINN_DEBUG=1 prints the details)",
        };
        return (code, Scrub(message));
    }

    /// <summary>
    /// Local absolute paths in a message become relative to the working directory (or just a file name), and
    /// temporary-file suffixes (".tmp-…") are dropped: messages name what the user gave, not where it sits.
    /// </summary>
    public static string Scrub(string message)
    {
        string cwd = Directory.GetCurrentDirectory().TrimEnd('/') + "/";
        message = AbsolutePath().Replace(message, m =>
        {
            string path = m.Value;
            return path.StartsWith(cwd, StringComparison.Ordinal) ? path[cwd.Length..] : Path.GetFileName(path.TrimEnd('/'));
        });
        return TempSuffix().Replace(message, "").ReplaceLineEndings(" ");
    }

    // An absolute path of at least two segments, not glued to a preceding name ("u/x/y" in an expression is no path).
    [GeneratedRegex(@"(?<![\w.)\]])/(?:[^\s'""`,;:()\[\]/]+/)+[^\s'""`,;:()\[\]/]*")]
    private static partial Regex AbsolutePath();

    [GeneratedRegex(@"\.tmp-[0-9A-Za-z_-]+")]
    private static partial Regex TempSuffix();

    /// <summary>
    /// Writes the command's result object as one compact JSON line when --json was given. Non-finite numbers (a NaN
    /// error, an infinite loss), which JSON cannot hold, are written as null.
    /// </summary>
    public static void WriteResult(ParseResult parse, JsonObject result)
    {
        if (parse.GetValue(JsonOption))
            Console.Out.WriteLine(ToJson(result));
    }

    /// <summary>Compact JSON of a result, NaN and ±∞ written as null.</summary>
    public static string ToJson(JsonNode result) => WithoutNonFinite(result)!.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>A copy of <paramref name="node"/> whose NaN and ±∞ numbers are null.</summary>
    public static JsonNode? WithoutNonFinite(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, WithoutNonFinite(p.Value)))),
        JsonArray a => new JsonArray(a.Select(WithoutNonFinite).ToArray()),
        JsonValue v when v.TryGetValue(out double d) => double.IsFinite(d) ? JsonValue.Create(d) : null,
        JsonValue v when v.TryGetValue(out float f) => float.IsFinite(f) ? JsonValue.Create(f) : null,
        _ => node.DeepClone(),
    };

    public static bool IsJson(ParseResult parse) => parse.GetValue(JsonOption);
}
