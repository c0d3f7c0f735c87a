using System.Globalization;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;
using PinnServe.Physics.Geometry;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>Observation data named in a problem file: points and values from the file, an inverse problem learns ν.</summary>
public class DataTermTests
{
    [Fact]
    public void DataTermReadsItsFileRelativeToTheProblemAndLearnsTheCoefficient()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-data-").FullName;
        var rows = new List<string> { "x,t,u" };   // columns in any order; only the inputs' names matter
        for (int i = 0; i < 40; i++)
        {
            double x = (i % 8) / 7.0, t = (i / 8) / 4.0;
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{x},{t},{Math.Exp(-0.3 * Math.PI * Math.PI * t) * Math.Sin(Math.PI * x)}"));
        }
        File.WriteAllLines(Path.Combine(dir, "obs.csv"), rows);
        File.WriteAllText(Path.Combine(dir, "inverse.toml"), """
            name = "heat-inverse"
            outputs = ["u"]
            [inputs]
            t = [0, 1]
            x = [0, 1]
            [parameters]
            kappa = 0.3
            [[terms]]
            name = "residual"
            expr = "u_t - kappa*u_xx"
            [[terms]]
            name = "data"
            kind = "data"
            file = "obs.csv"
            [training]
            layers = "2x16"
            """);
        var problem = ProblemFiles.Load(Path.Combine(dir, "inverse.toml"));
        var data = problem.Terms.Single(t => t.Name == "data");
        Assert.Equal(TermRole.Data, data.Role);
        var points = Assert.IsType<DataPoints>(data.Pieces[0].Region);
        Assert.Equal(40, points.Count);
        Assert.Equal([0.0, 0.0, 0.0, 1 / 7.0], points.Points[..4]); // (t, x) in input order
        var observed = data.Pieces[0].Errors[0].Walk().OfType<Observed>().Single();
        Assert.Equal(Math.Sin(Math.PI / 7), observed.Values[1], 12);

        var config = Recipes.For(problem).WithAdam(it => it with { Iterations = 30 }).WithData(it => it with { Learn = new() { ["kappa"] = 0.1 } }).WithDevice(it => it with { Precision = Precision.Float64 });
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < 30; i++) trainer.TrainStep();
        Assert.NotEqual(0.1, trainer.LearnedCoefficients["kappa"]);

        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(File.ReadAllText(Path.Combine(dir, "inverse.toml")).Replace("obs.csv", "none.csv"), "inverse.toml", directory: dir));
        Assert.Contains("inverse.toml:14:9:", e.Message);
        Assert.Contains("'none.csv' does not exist", e.Message);
    }
}
