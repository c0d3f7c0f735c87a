using System.Globalization;

namespace PinnServe.Cli.Tests;

/// <summary>`pinn eval-onnx --predictions`: the written values agree with the errors the command reports.</summary>
public class EvalOnnxCommandTests
{
    [Fact]
    public void Predictions_hold_the_model_the_reference_and_their_difference()
    {
        string models = Path.Combine(ServeCommandTests.RepositoryRoot(), "models");
        string dir = Directory.CreateTempSubdirectory("pinn-eval-onnx-").FullName;
        var result = PinnCli.RunIn(dir, "eval-onnx", Path.Combine(models, "burgers-dn.onnx"), "--reference",
            Path.Combine(models, "burgers-dn.reference.csv"), "--predictions", "u.csv", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);

        var lines = File.ReadAllLines(Path.Combine(dir, "u.csv"));
        Assert.Equal("t,x,u,u_reference,u_error", lines[0]);
        var referenceLines = File.ReadAllLines(Path.Combine(models, "burgers-dn.reference.csv"));
        Assert.Equal(referenceLines.Length, lines.Length);
        double squaredError = 0, squaredNorm = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            var v = lines[i].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var r = referenceLines[i].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(r[0], v[0]); // the points are the reference's, in its order
            Assert.Equal(r[1], v[1]);
            Assert.Equal(r[2], v[3]);
            Assert.Equal(v[2] - v[3], v[4], 12);
            squaredError += v[4] * v[4];
            squaredNorm += v[3] * v[3];
        }
        double reported = result.Json["fields"]!["u"]!["rel_l2"]!.GetValue<double>();
        Assert.Equal(reported, Math.Sqrt(squaredError / squaredNorm), 1e-9);
        Assert.InRange(reported, 1e-4, 2e-2); // the shipped model is trained, not a constant
    }
}
