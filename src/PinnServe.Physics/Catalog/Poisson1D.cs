using PinnServe.Training;
using PinnServe.Physics.Geometry;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Poisson 1D (Wang et al. 2021 §2.3): u'' = g on [0, 1] with u = sin(Cx); larger C makes the residual's gradients
/// swamp the boundary's (Table 1's C-sweep).
/// </summary>
public sealed class Poisson1D(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "poisson-1d";
    public override string Title => "Poisson 1D: u'' = g, u = sin(Cx)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double> { ["C"] = 1 };
    public override Box Domain { get; } = new(new Axis("x", 0, 1));
    public override string[] Outputs => ["u"];

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            double c = P("C");
            var u = F("u");
            return
            [
                LossTerm.Residual("residual", u.D("xx") - Known("g", p => -c * c * Math.Sin(c * p[0]))),
                LossTerm.Boundary("bc", [new Face("x", 0), new Face("x", 1)], _ => u.Value - Known("u_exact", p => Math.Sin(c * p[0]))),
            ];
        }
    }

    public override double[]? Exact(double[] point) => [Math.Sin(P("C") * point[0])];
    public override TrainingRecipe Defaults => new() { Model = "M1", Logging = new() { EvaluationGrid = 1000 } };
}
