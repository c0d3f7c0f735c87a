using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PinnServe.Cli.Tests.Cluster;

/// <summary>Runs `pinn` and the cluster's own tools with an environment of the test's choosing (PATH, SLURM_CONF).</summary>
internal static class ClusterCli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonObject Json => JsonNode.Parse(Stdout.TrimEnd().Split('\n')[^1])!.AsObject();
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>The dotnet host that runs pinn.dll, by absolute path (the tests may replace PATH).</summary>
    public static string Dotnet { get; } = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
        ? p
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";

    public static string PinnDll => Path.Combine(AppContext.BaseDirectory, "pinn.dll");

    public static Result Pinn(string workingDirectory, IDictionary<string, string>? environment, params string[] args) =>
        Run(Dotnet, [PinnDll, .. args], workingDirectory, environment, TimeSpan.FromMinutes(6));

    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Polls <paramref name="condition"/> every 0.2 s until it holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout) Assert.Fail($"waited {timeout.TotalSeconds:0} s for: {what()}");
            Thread.Sleep(200);
        }
    }
}
