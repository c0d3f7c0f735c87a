using System.Text.Json;
using System.Text.Json.Serialization;
using PinnServe.Contracts;
using PinnServe.Physics;

namespace PinnServe.Training;

/// <summary>How the loss terms are weighted (SPEC §2.1).</summary>
public sealed record WeightingConfig
{
    /// <summary>fixed, annealing, inverse-dirichlet or grad-norm.</summary>
    public string Scheme { get; init; } = "fixed";
    /// <summary>Update interval τ in steps.</summary>
    public int Interval { get; init; } = 10;
    /// <summary>Smoothing β of λ ← βλ + (1−β)λ̂ (seed 000: α = 1−β = 0.1).</summary>
    public double Beta { get; init; } = 0.9;
    public bool BiasCorrection { get; init; }
    /// <summary>p of the grad-norm scheme: 1, 2 or inf.</summary>
    public string P { get; init; } = "2";
    /// <summary>Parameters the statistics run over: weights (seed 000) or all (seed 002). Null: the scheme's default.</summary>
    public string? GradientParameters { get; init; }
    /// <summary>Annealing aggregation: layerwise (seed 000), flat (seed 002), layer-ratio (seed 000 cavity). Null: layerwise.</summary>
    public string? Aggregation { get; init; }
    /// <summary>Reference gradient with several residual terms: max-order (the highest-order residual) or sum.</summary>
    public string ReferenceGradient { get; init; } = "max-order";
    /// <summary>Points per term whose per-point gradients estimate the NTK traces of the "ntk" scheme (docs/methods.md).</summary>
    public int NtkPoints { get; init; } = Weighting.NtkTraces.DefaultPoints;
    /// <summary>Fixed weights (or initial weights) by term name.</summary>
    public Dictionary<string, double> Weights { get; init; } = new();

    /// <summary>The registered schemes (<see cref="global::PinnServe.Training.Weighting.WeightingSchemes"/>).</summary>
    public static IReadOnlyCollection<string> Schemes => global::PinnServe.Training.Weighting.WeightingSchemes.Names;
}

/// <summary>Everything needed to re-run a training job; written to the run directory as config.json.</summary>
public sealed record TrainingConfig
{
    public required string Problem { get; init; }
    /// <summary>A problem file (.toml/.yaml/.json) declaring the problem; relative paths resolve against the run directory, which keeps a copy. Null: a catalog problem.</summary>
    public string? ProblemFile { get; init; }
    /// <summary>Where the problem file's own relative paths (reference and data files) resolve from: the original file's directory.</summary>
    public string? ProblemDirectory { get; init; }
    public Dictionary<string, double> Parameters { get; init; } = new();
    public string Model { get; init; } = "custom";
    public string Architecture { get; init; } = NetworkFile.MlpArchitecture;
    public string Activation { get; init; } = "tanh";
    /// <summary>
    /// Inputs the network sees as (cos 2πx/P, sin 2πx/P), P the domain's extent along x (--periodic): the network is
    /// then exactly periodic in them and a periodic condition on that axis holds by construction. Empty: none.
    /// </summary>
    public string[] PeriodicInputs { get; init; } = [];
    /// <summary>Random weight factorization of every dense layer (--rwf; null: plain weights). See docs/methods.md.</summary>
    public Nn.WeightFactorization? Factorization { get; init; }
    /// <summary>Random Fourier features in front of the layers (--fourier-features; null: none). See docs/methods.md.</summary>
    public Nn.FourierFeatures? FourierFeatures { get; init; }
    public string Layers { get; init; } = "5x50";
    public WeightingConfig Weighting { get; init; } = new();
    /// <summary>Adam steps.</summary>
    public int Iterations { get; init; } = 40_000;
    /// <summary>L-BFGS iterations after the Adam steps, on fixed points with the adaptive weights frozen (0: none).</summary>
    public int LbfgsIterations { get; init; }
    /// <summary>Fixed points per piece for the L-BFGS phase where Adam draws fresh points (0: 8 × <see cref="Batch"/>); full-batch terms keep their sizes.</summary>
    public int LbfgsPoints { get; init; }
    /// <summary>L-BFGS iterations between fresh draws of its fixed points (0: one set for the whole phase); each draw restarts its curvature history.</summary>
    public int LbfgsResample { get; init; }
    /// <summary>
    /// L-BFGS iterations between restarts of its curvature history on the same points (0: never). A resumed run
    /// continues the history (it is in the checkpoint); a phase once continued from checkpoints that lacked it (which
    /// restarted the history there) is reproduced in one run by restarting at the same counts.
    /// </summary>
    public int LbfgsRestart { get; init; }
    /// <summary>How the L-BFGS phase draws its fixed points: "uniform", or "residual" (<see cref="ResidualAdaptiveSampling"/>).</summary>
    public string LbfgsSampling { get; init; } = "uniform";
    /// <summary>
    /// Factor on the frozen adaptive weights during the L-BFGS phase (1: the weights Adam ended with). The annealing
    /// weights are a smoothed snapshot of noisy mini-batch statistics; this sets how hard the fixed-point phase pushes
    /// the conditions against the residual.
    /// </summary>
    public double LbfgsWeightScale { get; init; } = 1;
    /// <summary>
    /// Every this many L-BFGS iterations (and at the last), the phase's loss on a held-out set of points drawn like
    /// the fixed ones; the run ends with the parameters where that loss was lowest (0: it ends on the last iterate).
    /// Needs no reference solution: it guards against overfitting the fixed points.
    /// </summary>
    public int LbfgsKeepBest { get; init; }
    /// <summary>
    /// Every this many Adam steps (and at the last), the unweighted sum of the terms' mean losses on a held-out set of
    /// points; the Adam phase ends with the parameters where it was lowest (0: on the last step). Needs no reference
    /// solution: it guards against ending on a spike of Adam at a constant learning rate.
    /// </summary>
    public int AdamKeepBest { get; init; }
    /// <summary>
    /// Causal training: the time axis "t" cut into this many chunks, each chunk's residual weighted by
    /// exp(−<see cref="CausalTolerance"/> × the summed residual losses of the earlier chunks) (0: off). The weights
    /// move during the Adam steps; an L-BFGS phase keeps them frozen at their last values, like the λ.
    /// </summary>
    public int CausalChunks { get; init; }
    /// <summary>ε of causal training (jaxpi's Allen–Cahn: 1 with 32 chunks).</summary>
    public double CausalTolerance { get; init; } = 1;
    /// <summary>Adam steps plus L-BFGS iterations: the step count a finished run reaches.</summary>
    [JsonIgnore] public int TotalIterations => Iterations + LbfgsIterations;
    /// <summary>Points per piece per step (fresh sampling) or the residual mini-batch from a pool.</summary>
    public int Batch { get; init; } = 128;
    /// <summary>Full batch over fixed point sets (seed 002) instead of fresh samples each step (seed 000).</summary>
    public bool FullBatch { get; init; }
    /// <summary>Residual points (full batch) or the residual pool size (with <see cref="ResidualBatch"/>).</summary>
    public int ResidualPoints { get; init; }
    /// <summary>Points per condition term in full-batch mode (split over its faces).</summary>
    public int ConditionPoints { get; init; }
    /// <summary>Residual mini-batch drawn from the residual pool each step (0: use the whole pool).</summary>
    public int ResidualBatch { get; init; }
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Smooth exponential decay factor per <see cref="DecaySteps"/> (1 = constant rate).</summary>
    public double DecayRate { get; init; } = 0.9;
    public int DecaySteps { get; init; } = 1000;
    /// <summary>Adam steps over which the learning rate rises linearly from 0 to its schedule's value (0: no warm-up).</summary>
    public int WarmupSteps { get; init; }
    /// <summary>standardize (seed 000: mean/std of the domain) or unit (seed 002: map onto [−1, 1]).</summary>
    public string Normalization { get; init; } = "standardize";
    /// <summary>float32 or float64.</summary>
    public string Precision { get; init; } = "float32";
    public ulong Seed { get; init; } = 1;
    /// <summary>Points per shard: each term's points are cut into slices of this size that run on any core (part of the arithmetic, so kept with the run).</summary>
    public int SlicePoints { get; init; } = PinnServe.Engine.Compilation.TermCompiler<float>.DefaultSlicePoints;
    /// <summary>A condition on several faces: "sum" of the per-face means (default) or one "mean" over all its points.</summary>
    public string FaceReduction { get; init; } = "sum";
    /// <summary>The compute backend (cpu, or a registered device backend such as cuda).</summary>
    public string Device { get; init; } = "cpu";
    public int LogEvery { get; init; } = 100;
    public int EvaluateEvery { get; init; } = 1000;
    public int CheckpointEvery { get; init; } = 5000;
    public int EvaluationGrid { get; init; } = 100;
    /// <summary>A reference file written by `pinn reference` (.npz/.npy/.csv); null: the exact solution or the problem's solver.</summary>
    public string? ReferenceFile { get; init; }
    /// <summary>Coefficients learned as trainable parameters (inverse problems), with their initial guesses.</summary>
    public Dictionary<string, double> Learn { get; init; } = new();
    /// <summary>Gradient histograms and Hessian eigenvalues to record (null: none).</summary>
    public Diagnostics.DiagnosticsConfig? Diagnostics { get; init; }
    /// <summary>Fixed points per condition term by name (full batch), overriding <see cref="ConditionPoints"/> (seed 002: ic 100, bc 200).</summary>
    public Dictionary<string, int> TermPoints { get; init; } = new();
    /// <summary>Observation points for the "data" term: drawn from the reference, or a subset of <see cref="ObservationFile"/> (0: all / none).</summary>
    public int Observations { get; init; }
    /// <summary>Gaussian noise on the observations as a fraction of each field's standard deviation (0.01 = 1%).</summary>
    public double Noise { get; init; }
    /// <summary>Observations from a file (.npz grid from `pinn reference`, or a CSV table: axes then fields).</summary>
    public string? ObservationFile { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The config with <see cref="ProblemFile"/> resolved against the run directory that holds its copy.</summary>
    public TrainingConfig InRunDirectory(string dir) =>
        ProblemFile is { } file && !Path.IsPathRooted(file) ? this with { ProblemFile = Path.GetFullPath(Path.Combine(dir, file)) } : this;

    /// <summary>The problem this config trains: the problem file's, or the catalog's by name.</summary>
    public Problem CreateProblem() => ProblemFile is { } file
        ? Physics.Files.ProblemFiles.Load(file, Parameters, ProblemDirectory)
        : ProblemCatalog.Create(Problem, Parameters);

    public static TrainingConfig FromJson(string json, string source) =>
        JsonSerializer.Deserialize<TrainingConfig>(json, Json) ?? throw new InvalidDataException($"{source}: empty config.");

    /// <summary>The problem's published setup with a model preset applied (M1–M4, PINN, MA, ID, DN).</summary>
    public static TrainingConfig Defaults(Problem problem, string? model = null)
    {
        var d = problem.Defaults;
        var config = new TrainingConfig
        {
            Problem = problem.Name,
            Parameters = new Dictionary<string, double>(problem.Parameters),
            Layers = d.Layers,
            Iterations = d.Iterations,
            Batch = d.Batch,
            FullBatch = d.FullBatch,
            ResidualPoints = d.ResidualPoints,
            ConditionPoints = d.ConditionPoints,
            Normalization = d.Normalization,
            DecayRate = d.DecayLearningRate ? 0.9 : 1.0,
            EvaluationGrid = d.EvaluationGrid,
            ResidualBatch = d.ResidualBatch,
            TermPoints = d.TermPoints is null ? new() : new Dictionary<string, int>(d.TermPoints),
            FaceReduction = d.FaceReduction,
            LbfgsIterations = d.LbfgsIterations,
            LbfgsPoints = d.LbfgsPoints,
            LbfgsResample = d.LbfgsResample,
            LbfgsRestart = d.LbfgsRestart,
            LbfgsSampling = d.LbfgsSampling,
            LbfgsWeightScale = d.LbfgsWeightScale,
            LbfgsKeepBest = d.LbfgsKeepBest,
            AdamKeepBest = d.AdamKeepBest,
            CausalChunks = d.CausalChunks,
            CausalTolerance = d.CausalTolerance,
            PeriodicInputs = d.PeriodicInputs?.ToArray() ?? [],
            WarmupSteps = d.WarmupSteps,
        };
        config = config with { Weighting = config.Weighting with { ReferenceGradient = d.ReferenceGradient } };
        return MethodSettings.FromDefaults(ModelPresets.Apply(config, model ?? d.Model), d.Methods, explicitModel: model is not null);
    }

    /// <summary>Points one term may draw per step or hold (batch, pool, full-batch set): beyond it the tapes cannot fit in memory.</summary>
    public const int MaxPointsPerTerm = 1_000_000;
    /// <summary>Points of the evaluation grid (eval_grid to the power of the dimension).</summary>
    public const long MaxEvaluationPoints = 10_000_000;
    /// <summary>Time chunks of causal training (jaxpi uses 32).</summary>
    public const int MaxCausalChunks = 10_000;

    /// <summary>
    /// Checks every value and names the first bad one by its setting path (<c>adam.learning_rate</c>,
    /// <see cref="InvalidSettingException"/>); the command line and the problem-file reader say where it came from.
    /// </summary>
    public void Validate()
    {
        var v = new SettingChecks();
        v.NonNegative("adam.iterations", Iterations);
        v.NonNegative("lbfgs.iterations", LbfgsIterations);
        v.NonNegative("lbfgs.resample", LbfgsResample);
        v.NonNegative("lbfgs.restart", LbfgsRestart);
        v.NonNegative("adam.keep_best", AdamKeepBest);
        v.NonNegative("lbfgs.keep_best", LbfgsKeepBest);
        if (LbfgsKeepBest > 0 && LbfgsIterations == 0)
            throw new InvalidSettingException("lbfgs.keep_best", $"needs an L-BFGS phase (lbfgs.iterations > 0), got keep-best every {LbfgsKeepBest} with none");
        v.Points("lbfgs.points", LbfgsPoints, allowZero: true);
        v.OneOf("lbfgs.sampling", LbfgsSampling, ResidualAdaptiveSampling.Names);
        v.Positive("lbfgs.weight_scale", LbfgsWeightScale);
        v.Points("sampling.batch", Batch, allowZero: false);
        if (CausalChunks < 0 || CausalChunks == 1 || CausalChunks > MaxCausalChunks)
            throw new InvalidSettingException("causal.chunks", $"must be 0 (off) or 2..{MaxCausalChunks:N0}, got {CausalChunks}");
        v.Positive("causal.tolerance", CausalTolerance);
        v.Positive("adam.learning_rate", LearningRate);
        if (!(DecayRate > 0 && DecayRate <= 1)) throw new InvalidSettingException("adam.decay_rate", $"must be in (0, 1], got {DecayRate}");
        if (DecaySteps < 1) throw new InvalidSettingException("adam.decay_steps", $"must be ≥ 1, got {DecaySteps}");
        v.NonNegative("adam.warmup_steps", WarmupSteps);
        v.OneOf("network.architecture", Architecture, Nn.Architectures.Names.Order());
        if (PeriodicInputs.Distinct().Count() != PeriodicInputs.Length)
            throw new InvalidSettingException("network.periodic_inputs", $"lists an input twice: {string.Join(",", PeriodicInputs)}");
        v.OneOf("network.activation", Activation, ["tanh", "sin"]);
        MethodSettings.Validate(this);
        v.OneOf("weighting.scheme", Weighting.Scheme, global::PinnServe.Training.Weighting.WeightingSchemes.Names.Order());
        // Checked whatever the scheme: a value the scheme does not use is still a typo the user should hear about.
        v.OneOf("weighting.p", Weighting.P, ["1", "2", "inf", "∞"]);
        if (Weighting.Aggregation is { } aggregation) v.OneOf("weighting.aggregation", aggregation, ["layerwise", "flat", "layer-ratio"]);
        if (Weighting.GradientParameters is { } parameters) v.OneOf("weighting.gradient_parameters", parameters, ["weights", "all"]);
        v.OneOf("weighting.reference_gradient", Weighting.ReferenceGradient, ["max-order", "sum"]);
        if (Weighting.Interval < 1) throw new InvalidSettingException("weighting.interval", $"must be ≥ 1, got {Weighting.Interval}");
        if (!(Weighting.Beta >= 0 && Weighting.Beta < 1)) throw new InvalidSettingException("weighting.beta", $"must be in [0, 1), got {Weighting.Beta}");
        foreach (var (term, weight) in Weighting.Weights)
            if (!(weight >= 0) || !double.IsFinite(weight)) throw new InvalidSettingException($"weighting.weights.{term}", $"must be a finite number ≥ 0, got {weight}");
        v.OneOf("sampling.normalization", Normalization, ["standardize", "unit"]);
        v.OneOf("device.precision", Precision, ["float32", "float64"]);
        if (FullBatch && (ResidualPoints < 1 || ConditionPoints < 1))
            throw new InvalidSettingException("sampling.full_batch", "needs sampling.residual_points and sampling.condition_points");
        v.Points("sampling.residual_points", ResidualPoints, allowZero: true);
        v.Points("sampling.condition_points", ConditionPoints, allowZero: true);
        v.Points("sampling.residual_batch", ResidualBatch, allowZero: true);
        if (SlicePoints < 1 || SlicePoints > MaxPointsPerTerm) throw new InvalidSettingException("sampling.slice_points", $"must be 1..{MaxPointsPerTerm:N0}, got {SlicePoints}");
        v.OneOf("sampling.face_reduction", FaceReduction, ["sum", "mean"]);
        if (string.IsNullOrWhiteSpace(Device)) throw new InvalidSettingException("device.name", "must name a backend (e.g. cpu)");
        v.Points("data.observations", Observations, allowZero: true);
        if (!(Noise >= 0) || !double.IsFinite(Noise)) throw new InvalidSettingException("data.noise", $"must be a finite number ≥ 0, got {Noise}");
        if (Noise > 0 && Observations == 0 && ObservationFile is null) throw new InvalidSettingException("data.noise", $"{Noise} needs data.observations or data.observation_file");
        foreach (var (term, points) in TermPoints)
            if (points < 1 || points > MaxPointsPerTerm) throw new InvalidSettingException($"sampling.term_points.{term}", $"must be 1..{MaxPointsPerTerm:N0}, got {points}");
        foreach (var (name, guess) in Learn)
            if (guess == 0 || !double.IsFinite(guess)) throw new InvalidSettingException($"data.learn.{name}", $"the initial guess must be finite and non-zero (it sets the coefficient's scale), got {guess}");
        foreach (var (path, every) in new[] { ("logging.log_every", LogEvery), ("logging.eval_every", EvaluateEvery), ("logging.checkpoint_every", CheckpointEvery) })
            if (every < 1) throw new InvalidSettingException(path, $"must be ≥ 1, got {every}");
        if (EvaluationGrid < 1) throw new InvalidSettingException("logging.eval_grid", $"must be ≥ 1, got {EvaluationGrid}");
        try { NetworkShape.Parse(Layers); }
        catch (FormatException e) { throw new InvalidSettingException("network.layers", e.Message.TrimEnd('.')); }
        Diagnostics?.Validate();
    }

    /// <summary>The checks that need the problem: the evaluation grid's size in its dimension.</summary>
    public void ValidateFor(Problem problem)
    {
        double points = Math.Pow(EvaluationGrid, problem.Domain.Dimension);
        if (points > MaxEvaluationPoints)
            throw new InvalidSettingException("logging.eval_grid",
                $"{EvaluationGrid} per axis in {problem.Domain.Dimension} dimensions is {points:G3} points, over the limit of {MaxEvaluationPoints:N0} (the grid would not fit in memory)");
    }
}

/// <summary>
/// A training setting out of range, named by its path in the recipe (<c>adam.learning_rate</c>). Front ends add where it
/// came from: the command line names its flag, a problem file its line and column.
/// </summary>
public sealed class InvalidSettingException(string setting, string problem) : ArgumentException($"{setting} {problem}.")
{
    /// <summary>The setting's path, e.g. <c>weighting.weights.ic</c>.</summary>
    public string Setting { get; } = setting;
    /// <summary>What is wrong, without the setting's name: "must be positive, got -1".</summary>
    public string Problem { get; } = problem;
}

/// <summary>The range checks settings share, each naming the setting's path.</summary>
internal readonly struct SettingChecks
{
    public void NonNegative(string path, int value)
    {
        if (value < 0) throw new InvalidSettingException(path, $"must be ≥ 0, got {value}");
    }

    public void Positive(string path, double value)
    {
        if (!(value > 0) || !double.IsFinite(value)) throw new InvalidSettingException(path, $"must be a positive number, got {value}");
    }

    public void Points(string path, int value, bool allowZero)
    {
        int min = allowZero ? 0 : 1;
        if (value < min || value > TrainingConfig.MaxPointsPerTerm)
            throw new InvalidSettingException(path, $"must be {min}..{TrainingConfig.MaxPointsPerTerm:N0} points, got {value}" +
                (value > TrainingConfig.MaxPointsPerTerm ? " (the tapes would not fit in memory)" : ""));
    }

    public void OneOf(string path, string value, IEnumerable<string> allowed)
    {
        var list = allowed.ToList();
        if (!list.Contains(value)) throw new InvalidSettingException(path, $"must be {string.Join(", ", list.SkipLast(1))}{(list.Count > 1 ? " or " : "")}{list[^1]}, got '{value}'");
    }
}

/// <summary>The papers' model names as presets of architecture + weighting.</summary>
public static class ModelPresets
{
    public static readonly string[] Names = TrainingDefaults.Models;

    public static TrainingConfig Apply(TrainingConfig c, string model)
    {
        var w = c.Weighting;
        return model.ToUpperInvariant() switch
        {
            // Seed 000, Table 2: M1 plain, M2 annealing, M3 modified MLP, M4 both (τ = 10, α = 0.1).
            "M1" => c with { Model = "M1", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "fixed" } },
            "M2" => c with { Model = "M2", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "annealing", Beta = 0.9 } },
            "M3" => c with { Model = "M3", Architecture = NetworkFile.ModifiedMlpArchitecture, Weighting = w with { Scheme = "fixed" } },
            "M4" => c with { Model = "M4", Architecture = NetworkFile.ModifiedMlpArchitecture, Weighting = w with { Scheme = "annealing", Beta = 0.9 } },
            // Seed 002: plain PINN, max/avg (flat statistics over weights and biases), inverse Dirichlet, grad-norm.
            "PINN" => c with { Model = "PINN", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "fixed" } },
            "MA" => c with { Model = "MA", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "annealing", Aggregation = "flat", GradientParameters = "all" } },
            "ID" => c with { Model = "ID", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "inverse-dirichlet" } },
            "DN" => c with { Model = "DN", Architecture = NetworkFile.MlpArchitecture, Weighting = w with { Scheme = "grad-norm", P = "2" } },
            _ => throw new ArgumentException($"Unknown model '{model}' (expected {string.Join(", ", Names)})."),
        };
    }
}
