using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Files;
using PinnServe.Tensors;
using PinnServe.Training.Weighting;

namespace PinnServe.Training.Tests;

/// <summary>
/// NTK loss weights (Wang, Yu &amp; Perdikaris 2022): the traces' per-point gradient norms against central differences,
/// λ where the NTK is known in closed form (a model linear in θ: K = ΦΦᵀ), and a training run that moves λ.
/// </summary>
public class NtkWeightingTests
{
    /// <summary>u(x) = x̂W + b: linear in θ = (W, b), so ∂u/∂θ = (x̂, 1) and ∂u_x/∂θ = (1/scale, 0) exactly.</summary>
    private sealed class LinearNetwork<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
        : Network<T>(store, inputs, outputs, shape, activation) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly List<(ParameterInfo, ParameterInfo)> _layers = [];
        private (ParameterInfo W, ParameterInfo B) Output => _layers.Count > 0 ? (_layers[0].Item1, _layers[0].Item2) : Add();
        private (ParameterInfo, ParameterInfo) Add() { var l = AddLayer("output", Inputs, Outputs, 0, encoder: false); _layers.Add(l); return l; }
        public override string Architecture => "test-linear";
        public override IReadOnlyList<(ParameterInfo Weight, ParameterInfo Bias)> Layers { get { _ = Output; return _layers; } }
        public override JetNode<T> Apply(Tape<T> tape, JetNode<T> input) => DenseLayer(tape, input, Output);
    }

    private sealed class LinearFactory : INetworkFactory
    {
        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => new LinearNetwork<T>(store, inputs, outputs, shape, activation);
    }

    private const string LinearOde = """
        name = "linear-ode"
        outputs = ["u"]
        [inputs]
        x = [-1, 1]
        [[terms]]
        name = "residual"
        kind = "residual"
        expr = "u_x - 1"
        [[terms]]
        name = "bc"
        kind = "dirichlet"
        on = ["x = -1"]
        value = "0"
        """;

    [Fact]
    public void The_weight_of_a_model_linear_in_its_parameters_is_the_ratio_of_its_known_kernel_traces()
    {
        Architectures.Register("test-linear", new LinearFactory());
        var problem = ProblemFiles.Parse(LinearOde);
        var config = new TrainingRecipe
        {
            Problem = problem.Name, Network = new() { Architecture = "test-linear", Layers = "1x1" }, Device = new() { Precision = Precision.Float64 },
            Sampling = new() { Batch = 16 }, Adam = new() { Iterations = 1 },
            Weighting = new WeightingConfig { Scheme = "ntk", Interval = 1, Beta = 0 }, Logging = new() { EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        };
        using var trainer = new Trainer<double>(problem, config);
        trainer.TrainStep();
        // Φ rows: residual e = u_x − 1 → (1/scale, 0); bc e = u(−1) → (x̂(−1), 1). Every point of a term has the same row,
        // so the mean of K's diagonal is that row's squared norm: λ_bc = (1/scale²) / (x̂(−1)² + 1) (= 3/4 here).
        var (shift, scale) = problem.Domain.Standardization();
        double residual = 1 / (scale[0] * scale[0]);
        double xHat = (-1 - shift[0]) / scale[0];
        double bc = xHat * xHat + 1;
        Assert.Equal(residual / bc, trainer.Weights[0], 12);
        Assert.Equal(0.75, trainer.Weights[0], 12);
    }

    [Theory]
    [InlineData(NtkNormalization.Mean, 1.0)]
    [InlineData(NtkNormalization.Trace, 40.0 / 5)]
    public void The_trace_normalisation_sums_each_terms_kernel_diagonal_over_all_its_points(NtkNormalization normalization, double pointRatio)
    {
        // 40 residual points against 5 boundary points (ntk_points 8: the residual's mean comes from a batch of 8, the
        // boundary's from all 5): every point of a term has the same Φ row, so tr K_rr = 40/scale², tr K_bb = 5(x̂² + 1),
        // and the paper's λ_bc = tr K_rr / tr K_bb is 40/5 times the mean form's 3/4.
        Architectures.Register("test-linear", new LinearFactory());
        var problem = ProblemFiles.Parse(LinearOde);
        var config = new TrainingRecipe
        {
            Problem = problem.Name, Network = new() { Architecture = "test-linear", Layers = "1x1" }, Device = new() { Precision = Precision.Float64 },
            Sampling = new() { FullBatch = true, ResidualPoints = 40, ConditionPoints = 5 }, Adam = new() { Iterations = 1 },
            Weighting = new WeightingConfig { Scheme = "ntk", Interval = 1, Beta = 0, NtkPoints = 8, NtkNormalization = normalization },
            Logging = new() { EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        };
        using var trainer = new Trainer<double>(problem, config);
        trainer.TrainStep();
        var (shift, scale) = problem.Domain.Standardization();
        double xHat = (-1 - shift[0]) / scale[0];
        Assert.Equal(pointRatio * (1 / (scale[0] * scale[0])) / (xHat * xHat + 1), trainer.Weights[0], 12);
        Assert.Equal(pointRatio * 0.75, trainer.Weights[0], 12);
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, false)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, true)]
    public void The_traces_are_the_mean_squared_norms_of_finite_difference_jacobians(string architecture, bool rwf)
    {
        // Klein–Gordon: a second-order residual, an initial condition with two errors (u and u_t), a boundary on two faces.
        var problem = ProblemCatalog.Create("klein-gordon", null);
        var store = new ParameterStore<double>();
        var network = Network<double>.Create(architecture, store, 2, 1, NetworkShape.Parse("2x5"), TanhActivation.Instance,
            factorization: rwf ? new WeightFactorization(1, 0.1) : null);
        network.InitializeGlorotNormal(new Rng(3));
        var (shift, scale) = problem.Domain.Standardization();
        TermCompiler<double> Compiler(int slice) => new(network, problem.Domain, problem.Outputs, shift, scale, problem.Parameters) { SlicePoints = slice };
        var terms = problem.Terms.Select(t => Compiler(256).Compile(t, _ => SamplingPlan.Fixed(5))).ToArray();
        var rng = new Rng(11);
        foreach (var t in terms) t.Prime(rng);
        var residuals = terms.Where(t => t.Term.Role == TermRole.Residual).ToArray();
        var weighted = terms.Where(t => t.Term.Role != TermRole.Residual).ToArray();
        var ntk = new NtkTraces<double>(Compiler(1), residuals, weighted, ParameterSelection.Parse("all", store), points: 5, seed: 1);
        var lambdas = ntk.Estimate(step: 0);

        double[] expected = [.. residuals.Select(t => FiniteDifferenceTrace(t, store)), .. weighted.Select(t => FiniteDifferenceTrace(t, store))];
        double[] actual = [.. ntk.ResidualTraces, .. ntk.WeightedTraces];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 * expected[i], $"term {terms[i].Name}: traced {actual[i]}, FD {expected[i]}");
        for (int i = 0; i < weighted.Length; i++) Assert.Equal(ntk.ResidualTraces.Sum() / ntk.WeightedTraces[i], lambdas[i], 12);
    }

    /// <summary>Σ_pieces Σ_errors mean_x Σ_i (∂e(x)/∂θ_i)², the Jacobian by central differences of the term's own error values.</summary>
    private static double FiniteDifferenceTrace(CompiledTerm<double> term, ParameterStore<double> store)
    {
        const double h = 1e-6;
        var theta = store.Values;
        double m = 0;
        for (int piece = 0; piece < term.PieceCount; piece++)
        {
            int n = term.PointCount(piece);
            foreach (var error in term.Term.Pieces[piece].Errors)
            {
                var sums = new double[n];
                for (int i = 0; i < theta.Length; i++)
                {
                    double saved = theta[i];
                    theta[i] = saved + h; var plus = Values(term, piece, error, n);
                    theta[i] = saved - h; var minus = Values(term, piece, error, n);
                    theta[i] = saved;
                    for (int p = 0; p < n; p++) { double d = (plus[p] - minus[p]) / (2 * h); sums[p] += d * d; }
                }
                m += sums.Average();
            }
        }
        return m;
    }

    private static double[] Values(CompiledTerm<double> term, int piece, Physics.Expressions.Expr error, int n)
    {
        term.Forward();
        var values = new double[n];
        term.CopyValues(piece, error, values);
        return values;
    }

    [Fact]
    public void A_short_training_run_moves_the_weights_the_same_way_every_time()
    {
        var config = new TrainingRecipe
        {
            Problem = "helmholtz", Network = new() { Layers = "2x12" }, Sampling = new() { Batch = 32 }, Adam = new() { Iterations = 20 }, Seed = 4,
            Weighting = new WeightingConfig { Scheme = "ntk", Interval = 5, Beta = 0.5, NtkPoints = 8 }, Logging = new() { EvaluateEvery = 1_000_000, LogEvery = 1_000_000 },
        };
        double Run()
        {
            using var trainer = TrainerFactory.Create(config);
            for (int i = 0; i < 20; i++) trainer.TrainStep();
            return trainer.Weights[0];
        }
        double lambda = Run();
        Assert.True(double.IsFinite(lambda) && lambda > 0 && Math.Abs(lambda - 1) > 0.05, $"λ_bc = {lambda} after 20 steps");
        // The trace batches come from a stateless stream of (seed, step), so a run (or a resumed one) draws the same ones.
        Assert.Equal(lambda, Run());
    }
}
