using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Contracts;

namespace PinnServe.Training.Tests;

/// <summary>Every catalog problem's exact solution satisfies its own residuals and conditions.</summary>
public class ProblemTests
{
    public static IEnumerable<object[]> Problems() =>
    [
        ["klein-gordon", new Dictionary<string, double>()],
        ["klein-gordon", new Dictionary<string, double> { ["alpha"] = -2, ["beta"] = 0.5, ["gamma"] = 2, ["k"] = 2 }],
        ["helmholtz", new Dictionary<string, double>()],
        ["helmholtz", new Dictionary<string, double> { ["k"] = 3, ["a1"] = 2, ["a2"] = 3 }],
        ["poisson-1d", new Dictionary<string, double> { ["C"] = 8 }],
        ["poisson-2d", new Dictionary<string, double>()],
        ["burgers-2d", new Dictionary<string, double>()],
        ["burgers-2d", new Dictionary<string, double> { ["nu"] = 0.05 }],
    ];

    /// <summary>∂^α of the exact solution by nested central differences (h = 2e-4: truncation ~h²·ω⁴ stays below 1e-4 of the terms).</summary>
    private static double Derivative(Problem problem, FieldDerivative f, double[] point, Box box)
    {
        const double h = 2e-4;
        int output = Array.IndexOf(problem.Outputs, f.Output);
        double Rec(double[] p, int k)
        {
            if (k == f.Derivative.Length) return problem.Exact(p)![output];
            int axis = box.IndexOf(f.Derivative[k]);
            var plus = (double[])p.Clone(); plus[axis] += h;
            var minus = (double[])p.Clone(); minus[axis] -= h;
            return (Rec(plus, k + 1) - Rec(minus, k + 1)) / (2 * h);
        }
        return Rec(point, 0);
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void ExactSolutionGivesNearZeroResidualAndConditionErrors(string name, Dictionary<string, double> parameters)
    {
        var problem = ProblemCatalog.Create(name, parameters);
        var box = problem.Domain;
        var rng = new Rng(7);
        foreach (var term in problem.Terms)
            foreach (var piece in term.Pieces)
            {
                var points = new double[20 * box.Dimension];
                piece.Region.Sample(box, rng, points);
                for (int p = 0; p < 20; p++)
                {
                    var point = points.AsSpan(p * box.Dimension, box.Dimension).ToArray();
                    foreach (var error in piece.Errors)
                    {
                        double scale = 1;
                        double value = ExprInterpreter.Evaluate(error, point, f =>
                        {
                            double d = Derivative(problem, f, point, box);
                            scale = Math.Max(scale, Math.Abs(d));
                            return d;
                        }, problem.Parameters);
                        Assert.True(Math.Abs(value) <= 1e-4 * scale,
                            $"{name} term '{term.Name}' at ({string.Join(", ", point)}): error {value:E3} (scale {scale:E2})");
                    }
                }
            }
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void AWrongSolutionDoesNotSatisfyTheResidual(string name, Dictionary<string, double> parameters)
    {
        // The check above must be able to fail: a perturbed solution (u + 0.1·x₀²) leaves a residual.
        var problem = ProblemCatalog.Create(name, parameters);
        var residual = problem.Terms.First(t => t.Role == TermRole.Residual).Pieces[0].Errors[0];
        var point = problem.Domain.Axes.Select(a => a.Min + 0.37 * (a.Max - a.Min)).ToArray();
        double value = ExprInterpreter.Evaluate(residual, point, f =>
        {
            double exact = Derivative(problem, f, point, problem.Domain);
            int firstAxisOrder = f.Derivative.Count(a => a == problem.Domain.Axes[0].Name);
            double extra = f.Derivative.Length != firstAxisOrder ? 0 : firstAxisOrder switch
            {
                0 => 0.1 * point[0] * point[0], 1 => 0.2 * point[0], 2 => 0.2, _ => 0,
            };
            return exact + extra;
        }, problem.Parameters);
        Assert.True(Math.Abs(value) > 1e-3, $"{name}: perturbed residual {value}");
    }

    [Fact]
    public void UnknownProblemAndParameterAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => ProblemCatalog.Create("navier"));
        Assert.Contains("'navier'", e.Message);
        Assert.Contains("klein-gordon", e.Message);
        var p = Assert.Throws<ArgumentException>(() => ProblemCatalog.Create("helmholtz", new Dictionary<string, double> { ["a3"] = 1 }));
        Assert.Contains("'a3'", p.Message);
        Assert.Contains("a1", p.Message);
        Assert.Throws<ArgumentException>(() => ProblemCatalog.Create("klein-gordon", new Dictionary<string, double> { ["k"] = 2.5 }).Terms);
    }

    [Fact]
    public void RegionsSampleInsideTheirFaces()
    {
        var box = new Box(new Axis("t", 0, 1), new Axis("x", -1, 1));
        var rng = new Rng(1);
        var pts = new double[200];
        new Face("x", 1).Sample(box, rng, pts);
        for (int i = 0; i < 100; i++) { Assert.Equal(1, pts[2 * i + 1]); Assert.InRange(pts[2 * i], 0, 1); }
        new FaceUnion([new Face("t", 0), new Face("x", -1)]).Sample(box, rng, pts);
        Assert.Equal(50, Enumerable.Range(0, 100).Count(i => pts[2 * i] == 0));
        Assert.Equal(50, Enumerable.Range(0, 100).Count(i => pts[2 * i + 1] == -1));
        var (shift, scale) = box.UnitCube();
        Assert.Equal([0.5, 0], shift);
        Assert.Equal([0.5, 1], scale);
    }
}
