using System.Diagnostics;
using System.Text.Json;

namespace PinnServe.Server.Tests.Deploy;

/// <summary>Runs tests/deploy/check_manifests.py (python3 + PyYAML) over deploy/, with facts only a running server or the CLI knows.</summary>
internal static class DeployManifests
{
    public static async Task CheckAsync(string repository, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("python3")
        {
            ArgumentList = { Path.Combine(repository, "tests", "deploy", "check_manifests.py"), "--repo", repository },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in extraArguments) start.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("python3 is missing: apt-get install python3 python3-yaml"); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            string output = await stdout + await stderr;
            if (output.Contains("No module named 'yaml'", StringComparison.Ordinal))
                throw new InvalidOperationException("PyYAML is missing: apt-get install python3-yaml (listed in .ci/apt-packages.txt).");
            Assert.True(process.ExitCode == 0, $"deploy/ checks failed:\n{output}");
            var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'))).RootElement;
            Assert.True(summary.GetProperty("passed").GetInt32() >= 35, output);
        }
    }
}
