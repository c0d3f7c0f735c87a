using System.Diagnostics;

namespace PinnServe.Cli.Tests;

/// <summary>Runs one of the repository's scripts/*.py with python3; a non-zero exit is an exception carrying its stderr.</summary>
internal static class PythonScript
{
    public static string[] Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(ServeCommandTests.RepositoryRoot(), "scripts", script));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} exited {process.ExitCode}: {stderr}");
        return stdout.Result.Split('\n');
    }
}
