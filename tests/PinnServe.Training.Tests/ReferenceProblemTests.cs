using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Reference;
using PinnServe.Reference.Burgers;

namespace PinnServe.Training.Tests;

/// <summary>
/// The problems without a closed form (burgers, allen-cahn, cavity) state the equations their reference solvers
/// solve: the terms, evaluated on the reference with finite differences away from shocks and walls, are small.
/// </summary>
public class ReferenceProblemTests
{
    /// <summary>Largest |error| over the points, relative to the largest derivative component it used (≥ 1).</summary>
    private static double RelativeError(Expr error, IEnumerable<double[]> points, Func<FieldDerivative, double[], double> derivative, Problem problem)
    {
        double worst = 0;
        foreach (var point in points)
        {
            double scale = 1;
            double value = ExprInterpreter.Evaluate(error, point, f =>
            {
                double d = derivative(f, point);
                scale = Math.Max(scale, Math.Abs(d));
                return d;
            }, problem.Parameters);
            worst = Math.Max(worst, Math.Abs(value) / scale);
        }
        return worst;
    }

    private static Expr Error(Problem problem, string term) => problem.Terms.Single(t => t.Name == term).Pieces[0].Errors[0];

    [Fact]
    public void ColeHopfSolutionSatisfiesTheBurgersTerms()
    {
        var problem = ProblemCatalog.Create("burgers");
        var solver = new BurgersColeHopf(problem.Parameters["nu"]);
        const double h = 2e-3;
        // Nested central differences of the quadrature solution, at points away from the shock at x = 0.
        double D(FieldDerivative f, double[] p)
        {
            double Rec(double t, double x, int k)
            {
                if (k == f.Derivative.Length) return solver.Evaluate(t, x);
                return f.Derivative[k] == "t"
                    ? (Rec(t + h, x, k + 1) - Rec(t - h, x, k + 1)) / (2 * h)
                    : (Rec(t, x + h, k + 1) - Rec(t, x - h, k + 1)) / (2 * h);
            }
            return Rec(p[0], p[1], 0);
        }
        var interior = from t in new[] { 0.1, 0.3, 0.6, 0.9 } from x in new[] { -0.8, -0.5, -0.3, 0.3, 0.5, 0.8 } select new[] { t, x };
        Assert.InRange(RelativeError(Error(problem, "residual"), interior, D, problem), 0, 1e-3);
        var initial = new[] { -0.9, -0.4, 0.2, 0.7 }.Select(x => new[] { 0.0, x });
        Assert.InRange(RelativeError(Error(problem, "ic"), initial, D, problem), 0, 1e-8);
        var walls = new[] { 0.2, 0.7 }.SelectMany(t => new[] { new[] { t, -1.0 }, new[] { t, 1.0 } });
        Assert.InRange(RelativeError(Error(problem, "bc"), walls, D, problem), 0, 1e-8);
    }

    /// <summary>Nested central differences on a uniform tensor grid (axis order = the problem's inputs).</summary>
    private static Func<FieldDerivative, double[], double> GridDerivative(ReferenceSolution reference, Problem problem)
    {
        var axes = reference.Axes;
        return (f, point) =>
        {
            var field = reference.Field(f.Output);
            var index = axes.Select((a, i) => Array.IndexOf(a.Coordinates, point[i])).ToArray();
            double Rec(int[] at, int k)
            {
                if (k == f.Derivative.Length) return field[reference.Index(at)];
                int axis = problem.Domain.IndexOf(f.Derivative[k]);
                double step = axes[axis].Coordinates[1] - axes[axis].Coordinates[0];
                var plus = (int[])at.Clone(); plus[axis]++;
                var minus = (int[])at.Clone(); minus[axis]--;
                return (Rec(plus, k + 1) - Rec(minus, k + 1)) / (2 * step);
            }
            return Rec(index, 0);
        };
    }

    [Fact]
    public void SpectralSolutionSatisfiesTheAllenCahnResidualBeforeTheInterfacesSharpen()
    {
        var problem = ProblemCatalog.Create("allen-cahn");
        // A short, finely stepped reference: t ∈ [0, 1] on 1001 times so that u_t's central difference is accurate.
        var reference = ReferenceSolutions.Compute("allen-cahn", new Dictionary<string, double> { ["nt"] = 1001, ["nx"] = 512 });
        var t = reference.Axis("t").Coordinates;
        var x = reference.Axis("x").Coordinates;
        var points = from i in new[] { 20, 50, 100, 150 } from j in Enumerable.Range(4, x.Length - 8).Where(j => j % 37 == 0) select new[] { t[i], x[j] };
        Assert.InRange(RelativeError(Error(problem, "residual"), points, GridDerivative(reference, problem), problem), 0, 1e-2);
        var initial = Enumerable.Range(0, x.Length).Where(j => j % 17 == 0).Select(j => new[] { 0.0, x[j] });
        Assert.InRange(RelativeError(Error(problem, "ic"), initial, GridDerivative(reference, problem), problem), 0, 1e-9);
    }

    [Fact]
    public void FiniteDifferenceCavitySatisfiesTheStreamFunctionMomentumResiduals()
    {
        var problem = ProblemCatalog.Create("cavity");
        var reference = ReferenceSolutions.Compute("cavity", new Dictionary<string, double> { ["n"] = 64, ["tolerance"] = 1e-6 });
        var grid = reference.Axis("x").Coordinates;
        // Interior nodes three or more cells from the walls (third differences), below the lid's corner singularities.
        var points = (from i in Enumerable.Range(3, 59) from j in Enumerable.Range(3, 50) where (i + j) % 5 == 0 select new[] { grid[i], grid[j] }).ToList();
        var derivative = GridDerivative(reference, problem);
        Assert.InRange(RelativeError(Error(problem, "momentum_x"), points, derivative, problem), 0, 5e-2);
        Assert.InRange(RelativeError(Error(problem, "momentum_y"), points, derivative, problem), 0, 5e-2);
        // The derived fields use the solver's convention: u = ψ_y, v = −ψ_x.
        foreach (var point in points)
        {
            int k = reference.Index(Array.IndexOf(grid, point[0]), Array.IndexOf(grid, point[1]));
            Assert.Equal(reference.Field("u")[k], derivative(new FieldDerivative("psi", ["y"]), point), 2e-2);
            Assert.Equal(reference.Field("v")[k], -derivative(new FieldDerivative("psi", ["x"]), point), 2e-2);
        }
        Assert.Equal(["u", "v"], problem.EvaluatedFields);
    }
}
