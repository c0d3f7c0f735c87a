using PinnServe.Training;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Burgers 1D (Deguchi & Asai 2023 §4.1): u_t + u u_x = ν u_xx on t ∈ [0, 1], x ∈ [−1, 1], ν = 0.01/π, u(0, x) = −sin(πx),
/// u(t, ±1) = 0. The shock at x = 0 has no closed form; the reference is the Cole–Hopf solution by quadrature.
/// ν is a <see cref="Coefficient"/> so that `--learn nu=…` turns this into the inverse problem.
/// </summary>
public sealed class Burgers(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "burgers";
    public override string Title => "Burgers 1D: u_t + u u_x = ν u_xx, u(0,x) = −sin(πx)";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } = new Dictionary<string, double> { ["nu"] = 0.01 / Math.PI };
    public override Box Domain { get; } = new(new Axis("t", 0, 1), new Axis("x", -1, 1));
    public override string[] Outputs => ["u"];

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            var u = F("u");
            return
            [
                LossTerm.Residual("residual", u.D("t") + u.Value * u.D("x") - new Coefficient("nu") * u.D("xx")),
                LossTerm.Initial("ic", new Face("t", 0), u.Value - Known("u0", p => -Math.Sin(Math.PI * p[1]))),
                LossTerm.BoundaryUnion("bc", [new Face("x", -1), new Face("x", 1)], u.Value),
            ];
        }
    }

    public override ReferenceSolution ComputeReference() =>
        ReferenceSolutions.Compute(ReferenceSolutions.Burgers, new Dictionary<string, double> { ["nu"] = P("nu") });

    // Deguchi & Asai 2023: L = 9 layers of 20, full batch N_PDE 10,000, N_IC 100, N_BC 200, 30,000 epochs, constant rate.
    public override TrainingRecipe Defaults => new()
    {
        Model = "PINN",
        Network = new() { Layers = "9x20" },
        Adam = new() { Iterations = 30_000, DecayRate = 1 },
        Sampling = new()
        {
            FullBatch = true, ResidualPoints = 10_000, ConditionPoints = 200, Normalization = Normalization.Unit,
            TermPoints = new() { ["ic"] = 100, ["bc"] = 200 },
        },
    };
}
