using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PinnServe.Cli.Tests;

/// <summary>Runs the real `pinn` executable (built next to this test assembly) as a user would.</summary>
internal static class PinnCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The --json contract: the last line of standard output is one JSON object.</summary>
        public JsonObject Json => JsonNode.Parse(Stdout.TrimEnd().Split('\n')[^1])!.AsObject();
    }

    public static Result Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs in <paramref name="workingDirectory"/> (relative paths in the arguments resolve there).</summary>
    public static Result RunIn(string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pinn.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); throw new TimeoutException($"pinn {string.Join(' ', args)} timed out"); }
        return new Result(p.ExitCode, stdout, stderr.Result);
    }
}
