using System.Globalization;
using System.Text.RegularExpressions;

namespace PinnServe.Cli.Tests;

/// <summary>scripts/plot_error_curves.py: curves on a log axis, and --kept's circle where a keep-best trial ended.</summary>
public class ErrorCurvesScriptTests
{
    [Fact]
    public void Kept_circles_sit_at_the_kept_step_and_error_on_the_plot_axes()
    {
        string root = Directory.CreateTempSubdirectory("pinn-curves-").FullName;
        string trial = Path.Combine(root, "row-a", "seed-1");
        Directory.CreateDirectory(trial);
        File.WriteAllLines(Path.Combine(trial, "metrics.csv"), ["step,loss,rel_l2_u", "0,1,1", "500,1,0.1", "1000,1,0.01"]);
        File.WriteAllText(Path.Combine(trial, "summary.json"),
            """{"status":"completed","rel_l2_fields":{"u":0.1},"adam_keep_best":{"every":500,"best_step":500}}""");
        string plain = Path.Combine(root, "row-b", "seed-1");  // no keep-best: no circle
        Directory.CreateDirectory(plain);
        File.WriteAllLines(Path.Combine(plain, "metrics.csv"), ["step,rel_l2_u", "0,1", "1000,0.01"]);
        string svg = Path.Combine(root, "curves.svg");

        RunScript(root, "--rows", "row-a,row-b", "--kept", "--out", svg);
        string text = File.ReadAllText(svg);
        var circles = Regex.Matches(text, @"<circle cx=""([\d.]+)"" cy=""([\d.]+)""").Select(m => (X: Parse(m.Groups[1].Value), Y: Parse(m.Groups[2].Value))).ToList();
        Assert.Equal(2, circles.Count);  // the trial's, and the legend's
        // The polyline of row-a passes through (500, 0.1): the kept circle must sit on that vertex.
        var vertices = Regex.Match(text, @"<polyline[^>]*points=""([^""]+)""").Groups[1].Value.Split(' ')
            .Select(p => p.Split(',')).Select(p => (X: Parse(p[0]), Y: Parse(p[1]))).ToList();
        Assert.Equal(vertices[1].X, circles[0].X, 0.2);
        Assert.Equal(vertices[1].Y, circles[0].Y, 0.2);

        RunScript(root, "--rows", "row-a,row-b", "--out", svg);  // without --kept, no circles at all
        Assert.DoesNotContain("<circle", File.ReadAllText(svg));
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static void RunScript(params string[] args) => PythonScript.Run("plot_error_curves.py", args);
}
