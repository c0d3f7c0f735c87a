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
    /// <summary>standardize (seed 000: mean/std of the domain) or unit (seed 002: map onto [−1, 1]).</summary>
    public string Normalization { get; init; } = "standardize";
    /// <summary>float32 or float64.</summary>
    public string Precision { get; init; } = "float32";
    public ulong Seed { get; init; } = 1;
    /// <summary>Points per shard: each term's points are cut into slices of this size that run on any core (part of the arithmetic, so kept with the run).</summary>
    public int SlicePoints { get; init; } = PinnServe.Physics.Compilation.TermCompiler<float>.DefaultSlicePoints;
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
        };
        config = config with { Weighting = config.Weighting with { ReferenceGradient = d.ReferenceGradient } };
        return ModelPresets.Apply(config, model ?? d.Model);
    }

    /// <summary>Checks every value and names the first bad one.</summary>
    public void Validate()
    {
        if (Iterations < 0) throw new ArgumentException($"--iters must be ≥ 0, got {Iterations}.");
        if (LbfgsIterations < 0) throw new ArgumentException($"--lbfgs must be ≥ 0, got {LbfgsIterations}.");
        if (LbfgsResample < 0) throw new ArgumentException($"--lbfgs-resample must be ≥ 0, got {LbfgsResample}.");
        if (LbfgsRestart < 0) throw new ArgumentException($"--lbfgs-restart must be ≥ 0, got {LbfgsRestart}.");
        if (AdamKeepBest < 0) throw new ArgumentException($"--adam-keep-best must be ≥ 0, got {AdamKeepBest}.");
        if (LbfgsKeepBest < 0) throw new ArgumentException($"--lbfgs-keep-best must be ≥ 0, got {LbfgsKeepBest}.");
        if (LbfgsPoints < 0) throw new ArgumentException($"--lbfgs-points must be ≥ 0, got {LbfgsPoints}.");
        if (!ResidualAdaptiveSampling.Names.Contains(LbfgsSampling))
            throw new ArgumentException($"--lbfgs-sampling must be {string.Join(" or ", ResidualAdaptiveSampling.Names)}, got '{LbfgsSampling}'.");
        if (!(LbfgsWeightScale > 0) || !double.IsFinite(LbfgsWeightScale))
            throw new ArgumentException($"--lbfgs-weight-scale must be a positive number, got {LbfgsWeightScale}.");
        if (Batch < 1) throw new ArgumentException($"--batch must be ≥ 1, got {Batch}.");
        if (CausalChunks < 0 || CausalChunks == 1) throw new ArgumentException($"--causal-chunks must be 0 (off) or at least 2, got {CausalChunks}.");
        if (!(CausalTolerance > 0) || !double.IsFinite(CausalTolerance)) throw new ArgumentException($"--causal-tol must be a positive number, got {CausalTolerance}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"--lr must be positive, got {LearningRate}.");
        if (!(DecayRate > 0 && DecayRate <= 1)) throw new ArgumentException($"--decay must be in (0, 1], got {DecayRate}.");
        if (!Nn.Architectures.Names.Contains(Architecture))
            throw new ArgumentException($"Unknown architecture '{Architecture}' (expected {string.Join(", ", Nn.Architectures.Names.Order())}).");
        if (PeriodicInputs.Distinct().Count() != PeriodicInputs.Length)
            throw new ArgumentException($"--periodic lists an input twice: {string.Join(",", PeriodicInputs)}.");
        if (Activation is not ("tanh" or "sin")) throw new ArgumentException($"Unknown activation '{Activation}' (expected tanh or sin).");
        if (!global::PinnServe.Training.Weighting.WeightingSchemes.Names.Contains(Weighting.Scheme))
            throw new ArgumentException($"Unknown weighting '{Weighting.Scheme}' (expected {string.Join(", ", global::PinnServe.Training.Weighting.WeightingSchemes.Names)}).");
        if (Normalization is not ("standardize" or "unit")) throw new ArgumentException($"Unknown normalization '{Normalization}' (expected standardize or unit).");
        if (Precision is not ("float32" or "float64")) throw new ArgumentException($"Unknown precision '{Precision}' (expected float32 or float64).");
        if (FullBatch && (ResidualPoints < 1 || ConditionPoints < 1))
            throw new ArgumentException("Full-batch training needs --residual-points and --condition-points.");
        if (SlicePoints < 1) throw new ArgumentException($"--slice-points must be ≥ 1, got {SlicePoints}.");
        if (FaceReduction is not ("sum" or "mean")) throw new ArgumentException($"Unknown --face-reduction '{FaceReduction}' (expected sum or mean).");
        if (string.IsNullOrWhiteSpace(Device)) throw new ArgumentException("--device must name a backend (e.g. cpu).");
        if (Observations < 0) throw new ArgumentException($"--observations must be ≥ 0, got {Observations}.");
        if (!(Noise >= 0) || !double.IsFinite(Noise)) throw new ArgumentException($"--noise must be ≥ 0, got {Noise}.");
        if (Noise > 0 && Observations == 0 && ObservationFile is null) throw new ArgumentException($"--noise {Noise} needs --observations N or --observation-file.");
        foreach (var (term, points) in TermPoints)
            if (points < 1) throw new ArgumentException($"--term-points {term}={points}: must be ≥ 1.");
        foreach (var (name, guess) in Learn)
            if (guess == 0 || !double.IsFinite(guess)) throw new ArgumentException($"--learn {name}={guess}: the initial guess must be finite and non-zero (it sets the coefficient's scale).");
        if (LogEvery < 1 || EvaluateEvery < 1 || CheckpointEvery < 1) throw new ArgumentException("Logging, evaluation and checkpoint intervals must be ≥ 1.");
        Nn.NetworkShape.Parse(Layers);
        Diagnostics?.Validate();
    }
}

/// <summary>The papers' model names as presets of architecture + weighting.</summary>
public static class ModelPresets
{
    public static readonly string[] Names = ["M1", "M2", "M3", "M4", "PINN", "MA", "ID", "DN"];

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
