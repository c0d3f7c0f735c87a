using PinnServe.Training;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference;

namespace PinnServe.Physics.Catalog;

/// <summary>
/// Allen–Cahn 1D (Deguchi & Asai 2023 §4.3): u_t = d u_xx + r (u − u³) with d = 1e-4, r = 5 on t ∈ [0, 1], x ∈ [−1, 1],
/// u(0, x) = x² cos(πx), u and u_x periodic in x. As in the paper only the initial condition gets an adaptive
/// weight: the periodic term keeps weight 1. Reference: Fourier pseudo-spectral + ETDRK4.
/// </summary>
public sealed class AllenCahn(IReadOnlyDictionary<string, double>? overrides = null) : Problem(overrides)
{
    public override string Name => "allen-cahn";
    public override string Title => "Allen–Cahn 1D: u_t = d u_xx + r (u − u³), periodic";
    public override IReadOnlyDictionary<string, double> DefaultParameters { get; } =
        new Dictionary<string, double> { ["diffusion"] = 1e-4, ["reaction"] = 5 };
    public override Box Domain { get; } = new(new Axis("t", 0, 1), new Axis("x", -1, 1));
    public override string[] Outputs => ["u"];

    public override IReadOnlyList<LossTerm> Terms
    {
        get
        {
            var u = F("u");
            var reaction = new Coefficient("reaction");
            return
            [
                LossTerm.Residual("residual",
                    u.D("t") - new Coefficient("diffusion") * u.D("xx") - reaction * u.Value + reaction * u.Value.Pow(3)),
                LossTerm.Initial("ic", new Face("t", 0), u.Value - Known("u0", p => p[1] * p[1] * Math.Cos(Math.PI * p[1]))),
                LossTerm.Periodic("bc", "x", -1, 1, (u.Value, u.Partner.Value), (u.D("x"), u.Partner.D("x"))) with { FixedWeight = true },
            ];
        }
    }

    public override ReferenceSolution ComputeReference() =>
        ReferenceSolutions.Compute(ReferenceSolutions.AllenCahn,
            new Dictionary<string, double> { ["diffusion"] = P("diffusion"), ["reaction"] = P("reaction") });

    // Deguchi & Asai 2023: L = 5 layers of 128, residual mini-batches of 4,096 from a pool of 20,000, N_IC 512, N_BC 200, 50,000 epochs.
    public override TrainingRecipe Defaults => new()
    {
        Model = "PINN",
        Network = new() { Layers = "5x128" },
        Adam = new() { Iterations = 50_000, DecayRate = 1 },
        Sampling = new()
        {
            FullBatch = true, ResidualPoints = 20_000, ResidualBatch = 4096, ConditionPoints = 200, Normalization = Normalization.Unit,
            TermPoints = new() { ["ic"] = 512, ["bc"] = 200 },
        },
    };
}
