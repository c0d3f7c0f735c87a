using System.Globalization;
using PinnServe.Physics.Files;
using PinnServe.Physics.Geometry;

namespace PinnServe.Training.Tests.FileProblems;

/// <summary>
/// `[reference] file` with a table that is not a grid (issue 35): scattered points become the training's evaluation
/// set, columns matched as in data terms; and `normalization = "none"` feeds the network raw coordinates.
/// </summary>
public class ScatteredReferenceTests
{
    private const string Heat = """
        name = "heat-ref"
        outputs = ["u"]
        [inputs]
        t = [0, 1]
        x = [0, 1]
        [parameters]
        kappa = 0.1
        [reference]
        file = "heat.txt"
        [[terms]]
        name = "residual"
        expr = "u_t - kappa*u_xx"
        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - sin(pi*x)"
        [training]
        layers = "2x8"
        """;

    /// <summary>A COMSOL-style export: "X" and "U (1) @ t=…" differ from the names x, u only in case.</summary>
    private static string WriteReference(string dir)
    {
        var lines = new List<string> { "% Model: heat.mph", "% X                U (1) @ t=0          U (1) @ t=0.5" };
        for (int i = 0; i <= 10; i++)
        {
            double x = i / 10.0;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x}   {Math.Sin(Math.PI * x)}   {Math.Exp(-0.05 * Math.PI * Math.PI) * Math.Sin(Math.PI * x)}"));
        }
        File.WriteAllLines(Path.Combine(dir, "heat.txt"), lines);
        return dir;
    }

    [Fact]
    public void ScatteredReferenceIsTheEvaluationSetAndItsErrorIsAtItsPoints()
    {
        string dir = WriteReference(Directory.CreateTempSubdirectory("pinn-scattered-").FullName);
        var problem = ProblemFiles.Parse(Heat, "heat.toml", directory: dir);
        Assert.Null(problem.ComputeReference());
        var reference = problem.ScatteredReference()!;
        Assert.Equal(["t", "x"], reference.Inputs);
        Assert.Equal(22, reference.Count);
        Assert.Equal("heat.txt (22 points; X → x, U → u)", reference.Source);

        var config = Recipes.For(problem).WithAdam(it => it with { Iterations = 3 }).WithDevice(it => it with { Precision = Precision.Float64 }).WithSampling(it => it with { Batch = 16 });
        using var trainer = new Trainer<double>(problem, config);
        for (int i = 0; i < 3; i++) trainer.TrainStep();
        var predicted = trainer.EvaluateFields(["u"], reference.Points)[0];
        double num = 0, den = 0;
        for (int p = 0; p < reference.Count; p++) { double e = predicted[p] - reference.Values[0][p]; num += e * e; den += reference.Values[0][p] * reference.Values[0][p]; }
        Assert.Equal(Math.Sqrt(num / den), trainer.RelativeL2()![0], 12);
        Assert.Equal(["u"], trainer.EvaluatedFields);

        // The report's heatmaps need values on a grid: scattered points give none, and the grid says why.
        var grid = PinnServe.Training.Reporting.FieldGrid.Evaluate(trainer, 5);
        Assert.All(grid.Exact, Assert.Null);
        Assert.Contains("heat.txt (22 points; X → x, U → u) is scattered points", grid.ExactSource);
    }

    [Fact]
    public void ExactColumnsWinAndAmbiguousOnesAreAnErrorAtTheFileKey()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-scattered-").FullName;
        // "t" exists exactly, so "T" is just another column; "X" is taken for x.
        File.WriteAllLines(Path.Combine(dir, "case.csv"), ["T,t,X,u", "9,0,0.5,1"]);
        var reference = ProblemFiles.Parse(Heat.Replace("heat.txt", "case.csv"), "heat.toml", directory: dir).ScatteredReference()!;
        Assert.Equal([0.0, 0.5], reference.Points);
        Assert.Equal("case.csv (1 points; X → x)", reference.Source);

        File.WriteAllLines(Path.Combine(dir, "psi.csv"), ["t,x,PSI,Psi", "0,0,1,1"]);
        const string stream = """
            name = "psi"
            outputs = ["psi"]
            [inputs]
            t = [0, 1]
            x = [0, 1]
            [reference]
            file = "psi.csv"
            [[terms]]
            name = "residual"
            expr = "psi_t - psi_xx"
            """;
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(stream, "psi.toml", directory: dir));
        Assert.Contains("psi.toml:7:9: 'psi.csv': columns 'PSI' and 'Psi' both match 'psi' ignoring case; name one with columns = { psi = ", e.Message);
    }

    [Fact]
    public void ColumnsByPositionAndByNameInTheReferenceTable()
    {
        string dir = Directory.CreateTempSubdirectory("pinn-scattered-").FullName;
        File.WriteAllLines(Path.Combine(dir, "plain.dat"), ["0 0.5 1.5", "0.5 0.5 2.5"]);   // no header: c1, c2, c3
        var byPosition = ProblemFiles.Parse(Heat.Replace("file = \"heat.txt\"", "file = \"plain.dat\"\ncolumns = [\"t\", \"x\", \"u\"]"), "heat.toml", directory: dir);
        Assert.Equal([0.0, 0.5, 0.5, 0.5], byPosition.ScatteredReference()!.Points);
        var byName = ProblemFiles.Parse(Heat.Replace("file = \"heat.txt\"", "file = \"plain.dat\"\ncolumns = { x = \"c2\", t = \"c1\", u = \"c3\" }"), "heat.toml", directory: dir);
        Assert.Equal([1.5, 2.5], byName.ScatteredReference()!.Values[0]);
        var e = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Heat.Replace("heat.txt", "plain.dat"), "heat.toml", directory: dir));
        Assert.Contains("heat.toml:9:9: 'plain.dat' has no column 't' (columns: c1, c2, c3;", e.Message);
        var solver = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Heat.Replace("file = \"heat.txt\"", "solver = \"burgers\"\ncolumns = [\"t\"]"), "heat.toml", directory: dir));
        Assert.Contains("'columns' maps the columns of a reference 'file'", solver.Message);
    }

    [Fact]
    public void NormalizationNoneIsTheIdentity()
    {
        var box = new Box(new Axis("t", 0, 1), new Axis("x", -2, 6));
        var (shift, scale) = box.Normalization("none");
        Assert.Equal([0.0, 0], shift);
        Assert.Equal([1.0, 1], scale);
        Assert.Equal(box.UnitCube().Scale, box.Normalization("unit").Scale);
        Assert.Equal(box.Standardization().Scale, box.Normalization("standardize").Scale);
        Assert.Throws<ArgumentException>(() => box.Normalization("raw"));

        string dir = WriteReference(Directory.CreateTempSubdirectory("pinn-scattered-").FullName);
        var problem = ProblemFiles.Parse(Heat.Replace("layers = \"2x8\"", "layers = \"2x8\"\nnormalization = \"none\""), "heat.toml", directory: dir);
        Assert.Equal(Normalization.None, problem.Defaults.Sampling.Normalization);
        var config = Recipes.For(problem).WithAdam(it => it with { Iterations = 2 }).WithSampling(it => it with { Batch = 8 });
        Assert.Equal(Normalization.None, config.Sampling.Normalization);
        using var trainer = TrainerFactory.Create(problem, config);
        for (int i = 0; i < 2; i++) trainer.TrainStep();
        var network = trainer.ToNetworkFile(new Dictionary<string, string>());
        Assert.Equal([0.0, 0], network.InputShift);
        Assert.Equal([1.0, 1], network.InputScale);

        var bad = Assert.Throws<ProblemFileException>(() => ProblemFiles.Parse(Heat.Replace("layers = \"2x8\"", "layers = \"2x8\"\nnormalization = \"raw\""), "heat.toml", directory: dir));
        Assert.Contains("heat.toml:20:18: 'training.normalization' must be standardize, unit or none, got 'raw'", bad.Message);
    }
}
