using PinnServe.Training;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Helmholtz 2D (Wang et al. 2021 §2.2): Δu + k²u = q on (−1, 1)² with u = sin(a₁πx) sin(a₂πy) and u = 0 on the
/// boundary; the stiff default a₁ = 1, a₂ = 4.
/// </summary>
public sealed class Helmholtz(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "helmholtz";
    public override string Title => "Helmholtz 2D: Δu + k²u = q, u = sin(a1 πx) sin(a2 πy)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } =
        new Dictionary<string, double> { ["k"] = 1, ["a1"] = 1, ["a2"] = 4 };
    public override Box Domain { get; } = new(new Axis("x", -1, 1), new Axis("y", -1, 1));
    public override string[] Outputs => ["u"];

    private double U(double x, double y) => Math.Sin(P("a1") * Math.PI * x) * Math.Sin(P("a2") * Math.PI * y);

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            double k = P("k"), w1 = P("a1") * Math.PI, w2 = P("a2") * Math.PI;
            var u = F("u");
            var q = Known("q", p => (k * k - w1 * w1 - w2 * w2) * U(p[0], p[1]));
            return
            [
                LossTerm.Residual("residual", u.D("xx") + u.D("yy") + k * k * u.Value - q),
                LossTerm.Boundary("bc", [new Face("y", -1), new Face("x", 1), new Face("y", 1), new Face("x", -1)],
                    _ => u.Value - Known("h", p => U(p[0], p[1]))),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [U(point[0], point[1])];
    public override TrainingRecipe Defaults => new() { Model = "M1", Network = new() { Layers = "4x50" } };
}
