using PinnServe.Training;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Poisson 2D (Deguchi & Asai 2023 §4.2): ∇²u = q on [0, 1]² with u = cos(ωx) sin(ωy), ω = 4π, Dirichlet data from u
/// on all four edges (the paper's text says y ∈ [−1, 1]; its boundary conditions and code use [0, 1]²).
/// Full batch: 2,500 residual and 400 boundary points, constant learning rate, 30,000 epochs.
/// </summary>
public sealed class Poisson2D(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "poisson-2d";
    public override string Title => "Poisson 2D: ∇²u = q, u = cos(ωx) sin(ωy)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double> { ["omega"] = 4 * Math.PI };
    public override Box Domain { get; } = new(new Axis("x", 0, 1), new Axis("y", 0, 1));
    public override string[] Outputs => ["u"];

    private double U(double x, double y) => Math.Cos(P("omega") * x) * Math.Sin(P("omega") * y);

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            double w = P("omega");
            var u = F("u");
            return
            [
                LossTerm.Residual("residual", u.D("xx") + u.D("yy") - Known("q", p => -2 * w * w * U(p[0], p[1]))),
                LossTerm.BoundaryUnion("bc", [new Face("x", 0), new Face("x", 1), new Face("y", 0), new Face("y", 1)],
                    u.Value - Known("u_exact", p => U(p[0], p[1]))),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [U(point[0], point[1])];
    public override TrainingRecipe Defaults => new()
    {
        Model = "PINN",
        Adam = new() { Iterations = 30_000, DecayRate = 1 },
        Sampling = new() { FullBatch = true, ResidualPoints = 2500, ConditionPoints = 400, Normalization = Normalization.Unit },
    };
}
