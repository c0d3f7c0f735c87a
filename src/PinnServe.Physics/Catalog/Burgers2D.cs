using PinnServe.Training;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Coupled 2D Burgers (the inverse-problem article (2025)'s inverse problem): u_t + u u_x + v u_y = ν Δu, v_t + u v_x + v v_y = ν Δv on
/// (x, y) ∈ [0, 1]², t ∈ [0, 1], with the travelling-front solution u = 3/4 − w, v = 3/4 + w,
/// w = 1/(4(1 + exp((−4x + 4y − t)/(32ν)))) giving the initial and boundary data. the inverse-problem article (2025) names no domain or ν;
/// the unit cube and ν = 0.01 (Re = 100) are our choice. `--learn nu=…` with observations identifies ν.
/// </summary>
public sealed class Burgers2D(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "burgers-2d";
    public override string Title => "Burgers 2D (coupled): u_t + u·∇u = ν Δu, travelling-front exact solution";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double> { ["nu"] = 0.01 };
    public override Box Domain { get; } = new(new Axis("t", 0, 1), new Axis("x", 0, 1), new Axis("y", 0, 1));
    public override string[] Outputs => ["u", "v"];

    private double Front(double[] p) => 0.25 / (1 + Math.Exp((-4 * p[1] + 4 * p[2] - p[0]) / (32 * P("nu"))));

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            var u = F("u");
            var v = F("v");
            var nu = new Coefficient("nu");
            var exactU = Known("u_exact", p => 0.75 - Front(p));
            var exactV = Known("v_exact", p => 0.75 + Front(p));
            Face[] sides = [new("x", 0), new("x", 1), new("y", 0), new("y", 1)];
            return
            [
                LossTerm.Residual("residual_u", u.D("t") + u.Value * u.D("x") + v.Value * u.D("y") - nu * (u.D("xx") + u.D("yy"))),
                LossTerm.Residual("residual_v", v.D("t") + u.Value * v.D("x") + v.Value * v.D("y") - nu * (v.D("xx") + v.D("yy"))),
                LossTerm.Initial("ic", new Face("t", 0), u.Value - exactU, v.Value - exactV),
                new LossTerm("bc", TermRole.Boundary, [new Piece(new FaceUnion(sides), [u.Value - exactU, v.Value - exactV])]),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [0.75 - Front(point), 0.75 + Front(point)];

    public override TrainingRecipe Defaults => new()
    {
        Model = "M2", Adam = new() { Iterations = 20_000 }, Sampling = new() { Batch = 256 }, Logging = new() { EvaluationGrid = 41 },
    };
}
