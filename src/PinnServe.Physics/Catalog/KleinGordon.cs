using PinnServe.Training;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Klein–Gordon (Wang et al. 2021 §3.2): u_tt + α u_xx + β u + γ uᵏ = f on x, t ∈ [0, 1], with the fabricated
/// solution u = x cos(5πt) + (xt)³ giving f, the initial data u and u_t at t = 0 and Dirichlet data at x = 0, 1.
/// </summary>
public sealed class KleinGordon(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "klein-gordon";
    public override string Title => "Klein–Gordon 1D: u_tt + α u_xx + β u + γ u^k = f";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } =
        new Dictionary<string, double> { ["alpha"] = -1, ["beta"] = 0, ["gamma"] = 1, ["k"] = 3 };
    public override Box Domain { get; } = new(new Axis("t", 0, 1), new Axis("x", 0, 1));
    public override string[] Outputs => ["u"];

    private static double U(double t, double x) => x * Math.Cos(5 * Math.PI * t) + Math.Pow(x * t, 3);
    private static double Ut(double t, double x) => -5 * Math.PI * x * Math.Sin(5 * Math.PI * t) + 3 * x * x * x * t * t;
    private static double Utt(double t, double x) => -25 * Math.PI * Math.PI * x * Math.Cos(5 * Math.PI * t) + 6 * x * x * x * t;
    private static double Uxx(double t, double x) => 6 * x * t * t * t;

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            double alpha = P("alpha"), beta = P("beta"), gamma = P("gamma");
            int k = IntegerParameter("k");
            var u = F("u");
            var source = Known("f", p => Utt(p[0], p[1]) + alpha * Uxx(p[0], p[1]) + beta * U(p[0], p[1]) + gamma * Math.Pow(U(p[0], p[1]), k));
            var exact = Known("u_exact", p => U(p[0], p[1]));
            return
            [
                LossTerm.Residual("residual", u.D("tt") + alpha * u.D("xx") + beta * u.Value + gamma * u.Value.Pow(k) - source),
                LossTerm.Initial("ic", new Face("t", 0), u.Value - exact, u.D("t") - Known("u_t_exact", p => Ut(p[0], p[1]))),
                LossTerm.Boundary("bc", [new Face("x", 0), new Face("x", 1)], _ => u.Value - exact),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [U(point[0], point[1])];
    public override TrainingRecipe Defaults => new() { Model = "M1" };
}
