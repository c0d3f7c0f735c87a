using System.Text.RegularExpressions;
using PinnServe.Training.Reporting;
using Xunit.Abstractions;

namespace PinnServe.Report.Tests;

public class ReportPageTests(TinyRun run, ITestOutputHelper output) : IClassFixture<TinyRun>
{
    private string WriteReport()
    {
        var data = RunReportData.Load(run.Directory, gridPointsPerAxis: 24);
        string path = Path.Combine(run.Directory, "report.html");
        ReportHtml.Write([data], path, PlotlyLibrary.Load());
        return path;
    }

    [Fact]
    public void ReportIsOneSelfContainedFile()
    {
        string html = File.ReadAllText(WriteReport());
        Assert.Contains("id=\"report-data\"", html);
        Assert.Contains("Plotly", html);
        // Offline: no external scripts, stylesheets or images.
        Assert.DoesNotMatch(new Regex("<(script|link|img)[^>]+(src|href)=\"(https?:)?//", RegexOptions.IgnoreCase), html);
    }

    [Fact]
    public void ChromiumRendersEveryChartWithoutConsoleErrors()
    {
        // Never skipped: without a browser this fails with the command that installs one.
        Assert.True(Chromium.Executable is not null, Chromium.InstallHint);
        string report = WriteReport();
        var dom = Chromium.Run(report, ["--dump-dom"], TimeSpan.FromMinutes(2));
        var status = Regex.Match(dom.Stdout, "<div id=\"report-status\" data-status=\"([^\"]*)\" data-charts=\"(\\d+)\"");
        Assert.True(status.Success, "The dumped DOM has no #report-status element:\n" + Tail(dom.Stdout) + Tail(dom.Stderr));
        output.WriteLine($"status {status.Groups[1].Value}, {status.Groups[2].Value} charts");
        Assert.Equal("ok", System.Net.WebUtility.HtmlDecode(status.Groups[1].Value));
        // loss, λ, relative L², Hessian, three field maps, and 2 steps × (unweighted, weighted) histogram strips.
        Assert.Equal(11, int.Parse(status.Groups[2].Value));
        var consoleErrors = dom.Stderr.Split('\n').Where(l => l.Contains("CONSOLE") && (l.Contains("Uncaught") || l.Contains("Error"))).ToList();
        Assert.True(consoleErrors.Count == 0, "Console errors:\n" + string.Join("\n", consoleErrors));

        string screenshot = Path.Combine(run.Directory, "report.png");
        var shot = Chromium.Run(report, ["--window-size=1400,3600", $"--screenshot={screenshot}"], TimeSpan.FromMinutes(2));
        Assert.True(File.Exists(screenshot), "No screenshot was written:\n" + Tail(shot.Stderr));
        var png = File.ReadAllBytes(screenshot);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        // A blank page of this size compresses to a few KB; drawn charts and heatmaps take far more.
        Assert.True(png.Length > 60_000, $"The screenshot is {png.Length} bytes: the page looks blank.");
    }

    [Fact]
    public void MissingOrCorruptRunFilesAreNamed()
    {
        var missing = Path.Combine(run.Directory, "no-such-run");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => RunReportData.Load(missing, 8)).Message);

        string corrupt = Directory.CreateTempSubdirectory("pinn-corrupt-").FullName;
        foreach (var file in Directory.GetFiles(run.Directory)) File.Copy(file, Path.Combine(corrupt, Path.GetFileName(file)));
        File.AppendAllText(Path.Combine(corrupt, "metrics.csv"), "40,1.0,oops\n");
        var error = Assert.Throws<InvalidDataException>(() => RunReportData.Load(corrupt, 8));
        Assert.Contains("metrics.csv", error.Message);
        File.WriteAllText(Path.Combine(corrupt, "config.json"), "{ not json");
        Assert.Contains("config.json", Assert.Throws<PinnServe.Training.Runs.RunDataException>(() => RunReportData.Load(corrupt, 8)).Message);
        Directory.Delete(corrupt, recursive: true);
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}
