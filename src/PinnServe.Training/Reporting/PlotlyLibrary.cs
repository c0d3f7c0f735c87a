using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace PinnServe.Training.Reporting;

/// <summary>
/// Finds plotly.js (the npm package plotly.js-dist-min) for inlining into reports. It is never committed:
/// it is fetched once with `npm pack` into a git-ignored cache, &lt;repo&gt;/.cache/npm (or ~/.cache/pinnserve/npm
/// outside a checkout), and read from there afterwards. PINN_PLOTLY_JS names a local copy instead, for
/// machines without npm or network.
/// </summary>
public static class PlotlyLibrary
{
    public const string Package = "plotly.js-dist-min", Version = "3.1.1";
    public const string PathVariable = "PINN_PLOTLY_JS", CacheVariable = "PINN_NPM_CACHE";

    /// <summary>The library's source, fetching it into the cache on first use.</summary>
    public static string Load()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } given)
            return File.Exists(given) ? File.ReadAllText(given) : throw new FileNotFoundException($"{PathVariable}='{given}': no such file.");
        string cached = Path.Combine(CacheDirectory(), $"{Package}-{Version}", "plotly.min.js");
        if (!File.Exists(cached)) Fetch(cached);
        return File.ReadAllText(cached);
    }

    public static string CacheDirectory()
    {
        if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } dir) return dir;
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "PinnServe.sln"))) return Path.Combine(d.FullName, ".cache", "npm");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pinnserve", "npm");
    }

    private static void Fetch(string target)
    {
        string dir = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(dir);
        var npm = new ProcessStartInfo("npm", ["pack", $"{Package}@{Version}", "--pack-destination", dir, "--silent"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start."); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"The report needs {Package}@{Version}, and npm is not available to fetch it ({e.Message}). " +
                $"Install npm, or download plotly.min.js and set {PathVariable} to its path.");
        }
        using (process)
        {
            string output = process.StandardOutput.ReadToEnd(), errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            string tarball = Path.Combine(dir, $"{Package}-{Version}.tgz");
            if (process.ExitCode != 0 || !File.Exists(tarball))
                throw new InvalidOperationException($"`npm pack {Package}@{Version}` failed (exit {process.ExitCode}): {errors.Trim()} {output.Trim()}");
            ExtractEntry(tarball, "package/plotly.min.js", target);
            File.Delete(tarball);
        }
    }

    private static void ExtractEntry(string tarball, string entryName, string target)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
            if (entry.Name == entryName && entry.DataStream is { } data)
            {
                string partial = target + ".partial";
                using (var output = File.Create(partial)) data.CopyTo(output);
                File.Move(partial, target, overwrite: true);
                return;
            }
        throw new InvalidDataException($"'{tarball}' has no {entryName}.");
    }
}
