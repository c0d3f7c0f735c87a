using System.Diagnostics;

namespace PinnServe.Report.Tests;

/// <summary>Headless Debian `chromium` (CI installs it from .ci/apt-packages.txt): dumps a page's DOM after its scripts ran, or screenshots it.</summary>
public static class Chromium
{
    /// <summary>The browser on PATH (or $CHROMIUM), else null.</summary>
    public static readonly string? Executable = Find();

    /// <summary>What a test without a browser fails with: the command that installs one.</summary>
    public const string InstallHint = "chromium is not installed: run `sudo apt-get install -y chromium` (./test.sh installs it from .ci/apt-packages.txt), or set CHROMIUM to a Chrome/Chromium binary.";

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } given && File.Exists(given)) return given;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Select(dir => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs the browser on a local file with no network, no GPU and a throw-away profile; kills it after the timeout.</summary>
    public static Result Run(string file, IEnumerable<string> action, TimeSpan timeout)
    {
        string profile = Directory.CreateTempSubdirectory("pinn-chromium-").FullName;
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(InstallHint))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}",
                     "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000",
                 }.Concat(action).Append(new Uri(Path.GetFullPath(file)).AbsoluteUri))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within {timeout.TotalSeconds} s on {file}.");
            }
            return new Result(process.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
