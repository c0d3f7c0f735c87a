using System.Globalization;

namespace PinnServe.Cli.Tests;

/// <summary>scripts/error_map.py: the two error norms it prints, on grids whose norms are known in closed form.</summary>
public class ErrorMapScriptTests
{
    [Fact]
    public void Relative_L2_and_spectral_ratio_match_closed_forms()
    {
        // A 4 (x) × 3 (y) grid; the reference is all ones (Frobenius and spectral norm √12); u's error is 3 at
        // (x0, y0) and 4 at (x1, y1): Frobenius norm 5, spectral norm 4 (largest singular value of a diagonal).
        string dir = Directory.CreateTempSubdirectory("pinn-error-map-").FullName;
        var lines = new List<string> { "x,y,u,u_reference,u_error,v,v_reference,v_error" };
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
            {
                double error = (x, y) switch { (0, 0) => 3, (1, 1) => 4, _ => 0 };
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x * 0.25},{y * 0.5},{1 + error},1,{error},0,0,0"));
            }
        string predictions = Path.Combine(dir, "pred.csv");
        File.WriteAllLines(predictions, lines);
        string svg = Path.Combine(dir, "map.svg");

        var output = RunScript(predictions, "--fields", "u", "--magnitude", "speed=u,v", "--out", svg);
        var u = output.Single(l => l.StartsWith("u ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5 / Math.Sqrt(12), double.Parse(u[1], CultureInfo.InvariantCulture), 3);
        Assert.Equal(4 / Math.Sqrt(12), double.Parse(u[2], CultureInfo.InvariantCulture), 3);
        Assert.Equal(4.0, double.Parse(u[3], CultureInfo.InvariantCulture), 3);
        Assert.Equal("64.0%", u[4]); // the worst point (1 of 12) holds 16 of the 25 units of squared error
        // v is zero, so the speed |(u, v)| has u's errors (u ≥ 1 everywhere).
        var speed = output.Single(l => l.StartsWith("speed ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(u[1..], speed[1..]);
        string map = File.ReadAllText(svg);
        Assert.StartsWith("<svg", map);
        Assert.Equal(2, map.Split("data:image/png;base64,").Length - 1);
    }

    [Fact]
    public void Points_that_are_not_a_full_grid_are_refused()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-error-map-").FullName;
        string predictions = Path.Combine(dir, "pred.csv");
        File.WriteAllLines(predictions, ["x,y,u,u_reference,u_error", "0,0,1,1,0", "1,0,1,1,0", "0,1,1,1,0"]);
        var e = Assert.Throws<InvalidOperationException>(() => RunScript(predictions));
        Assert.Contains("do not form a full 2 x 2 grid", e.Message);
    }

    private static string[] RunScript(params string[] args) => PythonScript.Run("error_map.py", args);
}
