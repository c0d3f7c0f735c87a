using System.ComponentModel;
using System.Diagnostics;

namespace PinnServe.Cli.Executors;

/// <summary>Runs a scheduler's command-line tool (sbatch, squeue, sacct, sinfo, kubectl) found on PATH.</summary>
internal static class ExternalTool
{
    public sealed record Output(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The tool's own words for a failure: its last lines of standard error (else of standard output).</summary>
        public string Message
        {
            get
            {
                string text = Stderr.Trim().Length > 0 ? Stderr : Stdout;
                var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return lines.Length == 0 ? $"exit code {ExitCode}, no message" : string.Join(" | ", lines.TakeLast(3));
            }
        }
    }

    /// <summary>Whether <paramref name="tool"/> is an executable file on PATH.</summary>
    public static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>Runs the tool; null when it is not installed here. A tool that hangs is killed after <paramref name="timeout"/>.</summary>
    public static Output? Run(string tool, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        if (!Exists(tool)) return null;
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (Win32Exception) { return null; }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new ClusterException($"`{tool} {string.Join(' ', arguments)}` did not answer within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds:0} s; nothing was changed by pinn.");
            }
            process.WaitForExit();
            return new Output(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
