using System.Text.Json.Serialization;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Training;

/// <summary>
/// Everything needed to re-run a training job, in small groups (network, Adam, L-BFGS, weighting, sampling, causal,
/// data, logging, device). Written to the run directory as config.json (<see cref="RecipeJson"/>), embedded in trial
/// files, bound from the command line and from a problem file's <c>[training]</c> (<see cref="RecipeBinder"/>); a
/// problem's published setup is a recipe too (<c>Problem.Defaults</c>). Setting paths (<c>adam.learning_rate</c>) are
/// the snake_case JSON names of group and property.
/// </summary>
public sealed record TrainingRecipe
{
    /// <summary>The config.json layout: 2 is the grouped recipe; files without a version are the flat layout before it.</summary>
    public const int CurrentVersion = 2;
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The problem's catalog name (or the name a problem file declares).</summary>
    public string Problem { get; init; } = "";
    /// <summary>A problem file (.toml/.yaml/.json) declaring the problem; relative paths resolve against the run directory, which keeps a copy. Null: a catalog problem.</summary>
    public string? ProblemFile { get; init; }
    /// <summary>Where the problem file's own relative paths (reference and data files) resolve from: the original file's directory.</summary>
    public string? ProblemDirectory { get; init; }
    public Dictionary<string, double> Parameters { get; init; } = new();
    /// <summary>The papers' preset this recipe started from (M1–M4, PINN, MA, ID, DN) or "custom".</summary>
    public string Model { get; init; } = "custom";
    public ulong Seed { get; init; } = 1;

    public NetworkRecipe Network { get; init; } = new();
    public AdamRecipe Adam { get; init; } = new();
    public LbfgsRecipe Lbfgs { get; init; } = new();
    public WeightingConfig Weighting { get; init; } = new();
    public SamplingRecipe Sampling { get; init; } = new();
    public CausalRecipe Causal { get; init; } = new();
    public DataRecipe Data { get; init; } = new();
    public LoggingRecipe Logging { get; init; } = new();
    public DeviceRecipe Device { get; init; } = new();

    /// <summary>Adam steps plus L-BFGS iterations: the step count a finished run reaches.</summary>
    [JsonIgnore] public int TotalIterations => Adam.Iterations + Lbfgs.Iterations;
    /// <summary>Whether the run measures the relative L² after <paramref name="step"/>: every eval_every steps and at the last.</summary>
    public bool IsEvaluationStep(int step) => step % Logging.EvaluateEvery == 0 || step == TotalIterations;

    public string ToJson() => RecipeJson.Write(this);
    /// <summary>Reads config.json, grouped (version 2) or flat (written before the recipe).</summary>
    public static TrainingRecipe FromJson(string json, string source) => RecipeJson.Read(json, source);

    /// <summary>The config with <see cref="ProblemFile"/> resolved against the run directory that holds its copy.</summary>
    public TrainingRecipe InRunDirectory(string dir) =>
        ProblemFile is { } file && !Path.IsPathRooted(file) ? this with { ProblemFile = Path.GetFullPath(Path.Combine(dir, file)) } : this;

    // Group edits for `with` chains in C#: recipe.WithAdam(a => a with { Iterations = 3000 }).
    public TrainingRecipe WithNetwork(Func<NetworkRecipe, NetworkRecipe> edit) => this with { Network = edit(Network) };
    public TrainingRecipe WithAdam(Func<AdamRecipe, AdamRecipe> edit) => this with { Adam = edit(Adam) };
    public TrainingRecipe WithLbfgs(Func<LbfgsRecipe, LbfgsRecipe> edit) => this with { Lbfgs = edit(Lbfgs) };
    public TrainingRecipe WithWeighting(Func<WeightingConfig, WeightingConfig> edit) => this with { Weighting = edit(Weighting) };
    public TrainingRecipe WithSampling(Func<SamplingRecipe, SamplingRecipe> edit) => this with { Sampling = edit(Sampling) };
    public TrainingRecipe WithCausal(Func<CausalRecipe, CausalRecipe> edit) => this with { Causal = edit(Causal) };
    public TrainingRecipe WithData(Func<DataRecipe, DataRecipe> edit) => this with { Data = edit(Data) };
    public TrainingRecipe WithLogging(Func<LoggingRecipe, LoggingRecipe> edit) => this with { Logging = edit(Logging) };
    public TrainingRecipe WithDevice(Func<DeviceRecipe, DeviceRecipe> edit) => this with { Device = edit(Device) };

    /// <summary>Points one term may draw per step or hold (batch, pool, full-batch set): beyond it the tapes cannot fit in memory.</summary>
    public const int MaxPointsPerTerm = 1_000_000;
    /// <summary>Points of the evaluation grid (eval_grid to the power of the dimension).</summary>
    public const long MaxEvaluationPoints = 10_000_000;
    /// <summary>Time chunks of causal training (jaxpi uses 32).</summary>
    public const int MaxCausalChunks = 10_000;
    /// <summary>The papers' model presets a problem (or a problem file's `model`) may name.</summary>
    public static readonly string[] Models = ["M1", "M2", "M3", "M4", "PINN", "MA", "ID", "DN"];
}

/// <summary>The network: hidden layers, architecture (a registered name), activation, periodic inputs.</summary>
public sealed record NetworkRecipe
{
    /// <summary>Hidden layers as DEPTHxWIDTH, e.g. 5x50.</summary>
    public string Layers { get; init; } = "5x50";
    /// <summary>A registered architecture (mlp, modified-mlp, …).</summary>
    public string Architecture { get; init; } = PinnServe.Contracts.NetworkFile.MlpArchitecture;
    public Activation Activation { get; init; } = Activation.Tanh;
    /// <summary>
    /// Inputs the network sees as (cos 2πx/P, sin 2πx/P), P the domain's extent along x: the network is then exactly
    /// periodic in them and a periodic condition on that axis holds by construction. Empty: none.
    /// </summary>
    public string[] PeriodicInputs { get; init; } = [];
    /// <summary>Random weight factorization of every dense layer (docs/methods.md); null: plain weights.</summary>
    public RwfRecipe? Rwf { get; init; }
    /// <summary>Random Fourier features in front of the layers (docs/methods.md); null: none.</summary>
    public FourierFeaturesRecipe? FourierFeatures { get; init; }
}

/// <summary>Random weight factorization: W = V · diag(exp(s)), s ~ N(mean, std²) at initialization (jaxpi: 1, 0.1).</summary>
public sealed record RwfRecipe
{
    public double Mean { get; init; } = 1;
    public double Std { get; init; } = 0.1;
}

/// <summary>Random Fourier features: the layers see [cos(x̂B), sin(x̂B)], B (inputs × count) ~ N(0, scale²), fixed.</summary>
public sealed record FourierFeaturesRecipe
{
    /// <summary>Columns of B; 0 (unset) is refused: a file or flag that gives only the scale must give the count too.</summary>
    public int Count { get; init; }
    public double Scale { get; init; } = 1;
    public const int MaxCount = 4096;
}

/// <summary>The Adam phase and its learning-rate schedule.</summary>
public sealed record AdamRecipe
{
    /// <summary>Adam steps.</summary>
    public int Iterations { get; init; } = 40_000;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>exponential (decay_rate per decay_steps; decay_rate 1: constant) or cosine (to 0 at the last Adam step).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Exponential;
    /// <summary>Smooth exponential decay factor per <see cref="DecaySteps"/> (1 = constant rate).</summary>
    public double DecayRate { get; init; } = 0.9;
    public int DecaySteps { get; init; } = 1000;
    /// <summary>Adam steps over which the learning rate rises linearly from 0 to its schedule's value (0: no warm-up).</summary>
    public int WarmupSteps { get; init; }
    /// <summary>
    /// Every this many Adam steps (and at the last), the unweighted sum of the terms' mean losses on a held-out set of
    /// points; the Adam phase ends with the parameters where it was lowest (0: on the last step).
    /// </summary>
    public int KeepBest { get; init; }
}

/// <summary>The optional L-BFGS phase after Adam, on fixed points with the adaptive weights frozen.</summary>
public sealed record LbfgsRecipe
{
    /// <summary>L-BFGS iterations after the Adam steps (0: none).</summary>
    public int Iterations { get; init; }
    /// <summary>Fixed points per piece where Adam draws fresh points (0: 8 × sampling.batch); full-batch terms keep their sizes.</summary>
    public int Points { get; init; }
    /// <summary>Iterations between fresh draws of the fixed points (0: one set for the whole phase); each draw restarts the curvature history.</summary>
    public int Resample { get; init; }
    /// <summary>Iterations between restarts of the curvature history on the same points (0: never).</summary>
    public int Restart { get; init; }
    /// <summary>How the fixed points are drawn: uniform, or residual (residual-adaptive sampling).</summary>
    public PointSampling Sampling { get; init; } = PointSampling.Uniform;
    /// <summary>Factor on the frozen adaptive weights during the phase (1: the weights Adam ended with).</summary>
    public double WeightScale { get; init; } = 1;
    /// <summary>Every this many iterations (and at the last), the loss on held-out points; the run ends where it was lowest (0: on the last iterate).</summary>
    public int KeepBest { get; init; }
}

/// <summary>How the loss terms are weighted (SPEC §2.1).</summary>
public sealed record WeightingConfig
{
    /// <summary>A registered scheme: fixed, annealing, inverse-dirichlet, grad-norm, ….</summary>
    public string Scheme { get; init; } = "fixed";
    /// <summary>Update interval τ in steps.</summary>
    public int Interval { get; init; } = 10;
    /// <summary>Smoothing β of λ ← βλ + (1−β)λ̂ (Wang et al. 2021: α = 1−β = 0.1).</summary>
    public double Beta { get; init; } = 0.9;
    public bool BiasCorrection { get; init; }
    /// <summary>p of the grad-norm scheme: 1, 2 or inf (an option of that scheme, checked against its values).</summary>
    public string P { get; init; } = "2";
    /// <summary>Parameters the statistics run over: weights (Wang et al. 2021) or all (Deguchi & Asai 2023). Null: the scheme's default.</summary>
    public string? GradientParameters { get; init; }
    /// <summary>Annealing aggregation: layerwise (Wang et al. 2021), flat (Deguchi & Asai 2023), layer-ratio (Wang et al. 2021 cavity). Null: layerwise.</summary>
    public string? Aggregation { get; init; }
    /// <summary>Reference gradient with several residual terms: the highest-order residual, or their sum.</summary>
    public ReferenceGradient ReferenceGradient { get; init; } = ReferenceGradient.MaxOrder;
    /// <summary>Points per term whose per-point gradients estimate the NTK traces of the "ntk" scheme (docs/methods.md).</summary>
    public int NtkPoints { get; init; } = DefaultNtkPoints;
    /// <summary>How the "ntk" scheme normalises each term's NTK diagonal: mean (jaxpi) or trace (the paper's Algorithm 1).</summary>
    public NtkNormalization NtkNormalization { get; init; } = NtkNormalization.Mean;
    /// <summary>Fixed weights (or initial weights) by term name.</summary>
    public Dictionary<string, double> Weights { get; init; } = new();

    public const int DefaultNtkPoints = 32;
    public const int MaxNtkPoints = 4096;
}

/// <summary>Where the points come from: fresh samples or fixed sets, their counts, and how coordinates are normalized.</summary>
public sealed record SamplingRecipe
{
    /// <summary>Points per piece per step (fresh sampling).</summary>
    public int Batch { get; init; } = 128;
    /// <summary>Full batch over fixed point sets (Deguchi & Asai 2023) instead of fresh samples each step (Wang et al. 2021).</summary>
    public bool FullBatch { get; init; }
    /// <summary>Residual points (full batch) or the residual pool size (with <see cref="ResidualBatch"/>).</summary>
    public int ResidualPoints { get; init; }
    /// <summary>Points per condition term in full-batch mode (split over its faces).</summary>
    public int ConditionPoints { get; init; }
    /// <summary>Residual mini-batch drawn from the residual pool each step (0: the whole pool).</summary>
    public int ResidualBatch { get; init; }
    /// <summary>Fixed points per condition term by name (full batch), overriding <see cref="ConditionPoints"/>.</summary>
    public Dictionary<string, int> TermPoints { get; init; } = new();
    /// <summary>standardize (Wang et al. 2021: mean/std of the domain) or unit (Deguchi & Asai 2023: onto [−1, 1]).</summary>
    public Normalization Normalization { get; init; } = Normalization.Standardize;
    /// <summary>Points per shard: each term's points are cut into slices of this size that run on any core (part of the arithmetic).</summary>
    public int SlicePoints { get; init; } = DefaultSlicePoints;
    /// <summary>A condition on several faces: the sum of the per-face means, or one mean over all its points.</summary>
    public FaceReduction FaceReduction { get; init; } = FaceReduction.Sum;

    /// <summary>
    /// The default slice: large enough that per-node overheads vanish, small enough that a slice's activations
    /// stay in L2 and that full batches of a few thousand points split over every core.
    /// </summary>
    public const int DefaultSlicePoints = 256;
}

/// <summary>Causal training: the time axis cut into chunks, each chunk's residual weighted by exp(−ε × the earlier chunks' losses).</summary>
public sealed record CausalRecipe
{
    /// <summary>Time chunks (0: off).</summary>
    public int Chunks { get; init; }
    /// <summary>ε (jaxpi's Allen–Cahn: 1 with 32 chunks).</summary>
    public double Tolerance { get; init; } = 1;
}

/// <summary>Data the run uses besides the PDE: observations, learned coefficients, the reference for evaluation.</summary>
public sealed record DataRecipe
{
    /// <summary>Observation points for the "data" term: drawn from the reference, or a subset of <see cref="ObservationFile"/> (0: all / none).</summary>
    public int Observations { get; init; }
    /// <summary>Gaussian noise on the observations as a fraction of each field's standard deviation.</summary>
    public double Noise { get; init; }
    /// <summary>Observations from a file (.npz grid from `pinn reference`, or a CSV table: axes then fields).</summary>
    public string? ObservationFile { get; init; }
    /// <summary>Names for <see cref="ObservationFile"/>'s columns: all by position ("x,t,u") or name=column pairs; null: matched by name.</summary>
    public string? ObservationColumns { get; init; }
    /// <summary>Coefficients learned as trainable parameters (inverse problems), with their initial guesses.</summary>
    public Dictionary<string, double> Learn { get; init; } = new();
    /// <summary>A reference file written by `pinn reference`; null: the exact solution or the problem's solver.</summary>
    public string? ReferenceFile { get; init; }
    /// <summary>Names for <see cref="ReferenceFile"/>'s columns: all by position ("x,y,u") or name=column pairs; null: matched by name.</summary>
    public string? ReferenceColumns { get; init; }
    /// <summary>More reference files the run is scored against beside its own (a benchmark's file and the exact solution,
    /// say): each adds rel_l2_FIELD@NAME columns to metrics.csv and an entry to summary.json; none changes the training.</summary>
    public List<string> AlsoReferences { get; init; } = new();
}

/// <summary>What the run records and how often.</summary>
public sealed record LoggingRecipe
{
    public int LogEvery { get; init; } = 100;
    [JsonPropertyName("eval_every")] public int EvaluateEvery { get; init; } = 1000;
    public int CheckpointEvery { get; init; } = 5000;
    [JsonPropertyName("eval_grid")] public int EvaluationGrid { get; init; } = 100;
    /// <summary>Gradient histograms and Hessian eigenvalues to record (null: none).</summary>
    public DiagnosticsConfig? Diagnostics { get; init; }
}

/// <summary>Where and in which precision the arithmetic runs.</summary>
public sealed record DeviceRecipe
{
    /// <summary>The compute backend: cpu, or a registered device backend such as cuda.</summary>
    public string Name { get; init; } = "cpu";
    public Precision Precision { get; init; } = Precision.Float32;
}

public enum Precision { Float32, Float64 }
public enum Activation { Tanh, Sin }
public enum Normalization { Standardize, Unit, None }
public enum FaceReduction { Sum, Mean }
public enum PointSampling { Uniform, Residual }
public enum ReferenceGradient { MaxOrder, Sum }
/// <summary>Mean: each term's NTK diagonal averaged over its points (jaxpi); Trace: summed over them (Wang, Yu &amp; Perdikaris 2022, Algorithm 1).</summary>
public enum NtkNormalization { Mean, Trace }
public enum LearningRateSchedule { Exponential, Cosine }
