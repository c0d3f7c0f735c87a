using System.CommandLine;
using System.Globalization;
using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Training;

namespace PinnServe.Cli;

/// <summary>The options shared by `pinn train`, `pinn bench train` and `pinn reproduce`, and how they map onto a config.</summary>
internal sealed class TrainOptions
{
    public readonly Argument<string?> Problem = new("problem") { Description = "Problem name (see `pinn problems`) or a problem file (.toml, .yaml, .json; see docs/problem-files.md).", Arity = ArgumentArity.ZeroOrOne };
    public readonly Option<string?> Model = new("--model") { Description = "Preset: M1 (MLP), M2 (MLP + annealing), M3 (modified MLP), M4 (modified MLP + annealing), PINN, MA, ID, DN." };
    public readonly Option<string?> Arch = new("--arch") { Description = "mlp or modified-mlp." };
    public readonly Option<string?> Periodic = new("--periodic") { Description = "Inputs (comma-separated, e.g. x) the network sees as (cos 2πx/P, sin 2πx/P), P the domain's extent: exactly periodic in them (default: none)." };
    public readonly Option<string?> Activation = new("--activation") { Description = "tanh or sin." };
    public readonly Option<string?> Weighting = new("--weighting") { Description = "fixed, annealing (ma), inverse-dirichlet (id), grad-norm (dn) or ntk (docs/methods.md)." };
    public readonly Option<double?> Beta = new("--beta") { Description = "Smoothing β of the loss weights (λ ← βλ + (1−β)λ̂)." };
    public readonly Option<int?> Tau = new("--tau") { Description = "Update the loss weights every τ steps (default 10)." };
    public readonly Option<bool> BiasCorrection = new("--bias-correction") { Description = "Start λ at 0 and apply λ/(1−βⁿ) (seed 002 §3.1)." };
    public readonly Option<string?> P = new("--p") { Description = "Grad-norm p: 1, 2 or inf." };
    public readonly Option<string?> GradParams = new("--grad-params") { Description = "Gradient statistics over 'weights' (seed 000) or 'all' parameters (seed 002)." };
    public readonly Option<string?> Aggregation = new("--aggregation") { Description = "Annealing statistic: layerwise (seed 000), flat (seed 002), layer-ratio (seed 000 cavity)." };
    public readonly Option<string?> ReferenceGradient = new("--reference-gradient") { Description = "With several residuals: max-order or sum." };
    public readonly Option<string[]> Weight = new("--weight") { Description = "Fixed/initial weight of a term, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string?> Layers = new("--layers") { Description = "Hidden layers as DEPTHxWIDTH, e.g. 5x50." };
    public readonly Option<int?> Iters = new("--iters") { Description = "Training iterations (Adam steps)." };
    public readonly Option<int?> Lbfgs = new("--lbfgs") { Description = "L-BFGS iterations after the Adam steps, on fixed points with the loss weights frozen (default 0)." };
    public readonly Option<int?> LbfgsResample = new("--lbfgs-resample") { Description = "L-BFGS iterations between fresh draws of its fixed points (default 0: one set; fixed sets overfit when Adam sampled fresh points)." };
    public readonly Option<int?> LbfgsRestart = new("--lbfgs-restart") { Description = "L-BFGS iterations between restarts of its curvature history on the same points (default 0: never; a resumed run continues the history from its checkpoint)." };
    public readonly Option<string?> LbfgsSampling = new("--lbfgs-sampling") { Description = "How the L-BFGS phase draws its fixed points: uniform (default), or residual: denser where the current residual is large (RAD: density ∝ |r| / mean |r| + 1 over 4× as many uniform candidates)." };
    public readonly Option<double?> LbfgsWeightScale = new("--lbfgs-weight-scale") { Description = "Factor on the adaptive weights the L-BFGS phase freezes (default 1: the weights Adam ended with)." };
    public readonly Option<int?> AdamKeepBest = new("--adam-keep-best") { Description = "Every K Adam steps, the unweighted sum of the terms' losses on held-out points; the Adam phase ends with the parameters where it was lowest (default 0: the last step)." };
    public readonly Option<int?> LbfgsKeepBest = new("--lbfgs-keep-best") { Description = "Every K L-BFGS iterations, the phase's loss on held-out points; the run ends with the parameters where it was lowest (default 0: the last iterate)." };
    public readonly Option<int?> LbfgsPoints = new("--lbfgs-points") { Description = "Fixed points per piece for the L-BFGS phase where Adam samples fresh points (default 8 × --batch)." };
    public readonly Option<int?> CausalChunks = new("--causal-chunks") { Description = "Causal training: cut the time axis t into M chunks and weight each chunk's residual by exp(−ε × the residual losses of the earlier chunks) (default 0: off; jaxpi uses 32)." };
    public readonly Option<double?> CausalTol = new("--causal-tol") { Description = "ε of causal training (default 1)." };
    public readonly Option<int?> Batch = new("--batch") { Description = "Points per term piece per step (fresh sampling)." };
    public readonly Option<bool?> FullBatch = new("--full-batch") { Description = "Train on fixed point sets (seed 002) instead of fresh samples." };
    public readonly Option<int?> ResidualPoints = new("--residual-points") { Description = "Residual points (full batch) or pool size." };
    public readonly Option<int?> ConditionPoints = new("--condition-points") { Description = "Points per condition term (full batch)." };
    public readonly Option<int?> ResidualBatch = new("--residual-batch") { Description = "Residual mini-batch drawn from the pool each step." };
    public readonly Option<double?> Lr = new("--lr") { Description = "Initial learning rate (default 1e-3)." };
    public readonly Option<double?> Decay = new("--decay") { Description = "Exponential decay factor per --decay-steps (1 = constant)." };
    public readonly Option<int?> DecaySteps = new("--decay-steps") { Description = "Steps per decay factor (default 1000)." };
    public readonly Option<int?> WarmupSteps = new("--warmup-steps") { Description = "Adam steps over which the learning rate rises linearly from 0 to its scheduled value (default 0: none)." };
    public readonly Option<string?> Normalization = new("--normalization") { Description = "standardize or unit." };
    public readonly Option<string?> Precision = new("--precision") { Description = "float32 (default) or float64." };
    public readonly Option<ulong?> Seed = new("--seed") { Description = "Random seed (same seed, same run)." };
    public readonly Option<string[]> Param = new("--param") { Description = "Problem parameter, name=value (repeatable)." };
    public readonly Option<string[]> Learn = new("--learn") { Description = "Learn a PDE coefficient, name=initial_guess (inverse problems)." };
    public readonly Option<int?> ObservationCount = new("--observations") { Description = "Inverse problems: N observation points for a \"data\" term, drawn from the reference (or a subset of --observation-file)." };
    public readonly Option<double?> Noise = new("--noise") { Description = "Gaussian noise on the observations, as a fraction of each field's std (0.01 = 1%; seeded)." };
    public readonly Option<string?> ObservationFile = new("--observation-file") { Description = "Observations from a file: .npz from `pinn reference`, or a CSV table with the axes then the fields as columns." };
    public readonly Option<string[]> TermPoints = new("--term-points") { Description = "Full-batch points of one condition term, name=count (repeatable; e.g. ic=100)." };
    public readonly Option<string?> Reference = new("--reference") { Description = "Reference file from `pinn reference` for the relative L² (default: exact solution or the problem's solver)." };
    public readonly Option<int?> EvalGrid = new("--eval-grid") { Description = "Evaluation grid points per axis." };
    public readonly Option<int?> LogEvery = new("--log-every") { Description = "Metrics row every N steps." };
    public readonly Option<int?> EvalEvery = new("--eval-every") { Description = "Relative L² every N steps." };
    public readonly Option<int> Threads = new("--threads") { Description = "Threads running the terms' point slices in parallel (default: every core; results are identical for any count).", DefaultValueFactory = _ => Environment.ProcessorCount };
    public readonly Option<int?> SlicePoints = new("--slice-points") { Description = "Points per slice (shard) of a loss term; slices run on any core (default 256)." };
    public readonly Option<string?> FaceReduction = new("--face-reduction") { Description = "A condition on several faces (e.g. four walls): sum of the per-face means (default) or one mean over all its points." };
    public readonly Option<string?> Device = new("--device") { Description = "Compute backend: cpu (default), cuda (NVIDIA GPU through ILGPU, float32) or ilgpu-cpu (the GPU kernels on the CPU, for checks)." };
    public readonly Option<int?> CheckpointEvery = new("--checkpoint-every") { Description = "Checkpoint every N steps." };

    public readonly DiagnosticOptions Diagnostics = new();
    public readonly MethodOptions Methods = new();

    public IEnumerable<Symbol> All() =>
    [
        Problem, Model, Arch, Periodic, Activation, Weighting, Beta, Tau, BiasCorrection, P, GradParams, Aggregation, ReferenceGradient, Weight,
        Layers, Iters, Lbfgs, LbfgsPoints, LbfgsResample, LbfgsRestart, LbfgsSampling, LbfgsWeightScale, LbfgsKeepBest, AdamKeepBest, CausalChunks, CausalTol, Batch, FullBatch, ResidualPoints, ConditionPoints, ResidualBatch, Lr, Decay, DecaySteps, WarmupSteps, Normalization,
        Precision, Seed, Param, Learn, ObservationCount, Noise, ObservationFile, TermPoints, Reference, EvalGrid, LogEvery, EvalEvery, CheckpointEvery, Threads,
        SlicePoints, FaceReduction, Device, .. Diagnostics.All(), .. Methods.All(),
    ];

    public void AddTo(Command command)
    {
        foreach (var symbol in All())
        {
            if (symbol is Argument a) command.Arguments.Add(a);
            else command.Options.Add((Option)symbol);
        }
    }

    public static Dictionary<string, double> ParsePairs(string[]? pairs, string option)
    {
        var result = new Dictionary<string, double>();
        foreach (var pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || !double.TryParse(pair[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new UsageException($"{option} '{pair}' is malformed: expected name=number, e.g. {option} k=3.");
            result[pair[..eq].Trim()] = value;
        }
        return result;
    }

    private static string NormalizeScheme(string s) => s.ToLowerInvariant() switch
    {
        "ma" or "max-avg" or "lra" => "annealing",
        "id" => "inverse-dirichlet",
        "dn" or "gradnorm" => "grad-norm",
        "pinn" or "none" => "fixed",
        var x => x,
    };

    /// <summary>Problem defaults, then the model preset, then every explicit option.</summary>
    public TrainingConfig Build(ParseResult parse)
    {
        string name = parse.GetValue(Problem) ?? throw new UsageException("Name a problem (see `pinn problems`) or a problem file (.toml, .yaml, .json).");
        Problem problem;
        bool isFile = ProblemDocument.IsProblemFile(name);
        try
        {
            var parameters = ParsePairs(parse.GetValue(Param), "--param");
            problem = isFile ? ProblemFiles.Load(name, parameters) : ProblemCatalog.Create(name, parameters);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        catch (FileNotFoundException e) { throw new UsageException(e.Message); }
        try
        {
            var c = TrainingConfig.Defaults(problem, parse.GetValue(Model));
            if (isFile) c = c with { ProblemFile = Path.GetFullPath(name), ProblemDirectory = Path.GetDirectoryName(Path.GetFullPath(name)) };
            var w = c.Weighting;
            if (parse.GetValue(Weighting) is { } scheme) w = w with { Scheme = NormalizeScheme(scheme) };
            if (parse.GetValue(Beta) is { } beta) w = w with { Beta = beta };
            if (parse.GetValue(Tau) is { } tau) w = w with { Interval = tau };
            if (parse.GetValue(BiasCorrection)) w = w with { BiasCorrection = true };
            if (parse.GetValue(P) is { } p) w = w with { P = p };
            if (parse.GetValue(GradParams) is { } gp) w = w with { GradientParameters = gp };
            if (parse.GetValue(Aggregation) is { } agg) w = w with { Aggregation = agg };
            if (parse.GetValue(ReferenceGradient) is { } rg) w = w with { ReferenceGradient = rg };
            var weights = ParsePairs(parse.GetValue(Weight), "--weight");
            if (weights.Count > 0) w = w with { Weights = weights };
            c = c with { Weighting = w };
            if (parse.GetValue(Arch) is { } arch) c = c with { Architecture = arch };
            if (parse.GetValue(Periodic) is { } periodic)
                c = c with { PeriodicInputs = periodic.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
            if (parse.GetValue(Activation) is { } act) c = c with { Activation = act };
            if (parse.GetValue(Layers) is { } layers) c = c with { Layers = layers };
            if (parse.GetValue(Iters) is { } iters) c = c with { Iterations = iters };
            if (parse.GetValue(Lbfgs) is { } lbfgs) c = c with { LbfgsIterations = lbfgs };
            if (parse.GetValue(LbfgsPoints) is { } lbfgsPoints) c = c with { LbfgsPoints = lbfgsPoints };
            if (parse.GetValue(LbfgsResample) is { } lbfgsResample) c = c with { LbfgsResample = lbfgsResample };
            if (parse.GetValue(LbfgsRestart) is { } lbfgsRestart) c = c with { LbfgsRestart = lbfgsRestart };
            if (parse.GetValue(LbfgsSampling) is { } lbfgsSampling) c = c with { LbfgsSampling = lbfgsSampling };
            if (parse.GetValue(LbfgsWeightScale) is { } lbfgsWeightScale) c = c with { LbfgsWeightScale = lbfgsWeightScale };
            if (parse.GetValue(LbfgsKeepBest) is { } lbfgsKeepBest) c = c with { LbfgsKeepBest = lbfgsKeepBest };
            if (parse.GetValue(AdamKeepBest) is { } adamKeepBest) c = c with { AdamKeepBest = adamKeepBest };
            if (parse.GetValue(CausalChunks) is { } causalChunks) c = c with { CausalChunks = causalChunks };
            if (parse.GetValue(CausalTol) is { } causalTol) c = c with { CausalTolerance = causalTol };
            if (parse.GetValue(Batch) is { } batch) c = c with { Batch = batch };
            if (parse.GetValue(FullBatch) is { } fb) c = c with { FullBatch = fb };
            if (parse.GetValue(ResidualPoints) is { } rp) c = c with { ResidualPoints = rp };
            if (parse.GetValue(ConditionPoints) is { } cp) c = c with { ConditionPoints = cp, TermPoints = new() }; // replaces per-term defaults (burgers: ic 100, bc 200)
            if (parse.GetValue(ResidualBatch) is { } rb)
                c = rb >= 1 ? c with { ResidualBatch = rb } : throw new UsageException($"--residual-batch must be ≥ 1, got {rb} (leave it out to use the whole pool).");
            if (parse.GetValue(Lr) is { } lr) c = c with { LearningRate = lr };
            if (parse.GetValue(Decay) is { } decay) c = c with { DecayRate = decay };
            if (parse.GetValue(DecaySteps) is { } ds) c = c with { DecaySteps = ds };
            if (parse.GetValue(WarmupSteps) is { } warmup) c = c with { WarmupSteps = warmup };
            if (parse.GetValue(Normalization) is { } norm) c = c with { Normalization = norm };
            if (parse.GetValue(Precision) is { } prec) c = c with { Precision = prec };
            if (parse.GetValue(Seed) is { } seed) c = c with { Seed = seed };
            if (parse.GetValue(SlicePoints) is { } slice) c = c with { SlicePoints = slice };
            if (parse.GetValue(FaceReduction) is { } fr) c = c with { FaceReduction = fr };
            if (parse.GetValue(Device) is { } device) c = c with { Device = device };
            if (parse.GetValue(Reference) is { } reference) c = c with { ReferenceFile = Path.GetFullPath(reference) };
            if (parse.GetValue(EvalGrid) is { } grid) c = c with { EvaluationGrid = grid };
            if (parse.GetValue(LogEvery) is { } le) c = c with { LogEvery = le };
            if (parse.GetValue(EvalEvery) is { } ee) c = c with { EvaluateEvery = ee };
            if (parse.GetValue(CheckpointEvery) is { } ce) c = c with { CheckpointEvery = ce };
            var learn = ParsePairs(parse.GetValue(Learn), "--learn");
            if (learn.Count > 0) c = c with { Learn = learn };
            if (parse.GetValue(ObservationCount) is { } observations) c = c with { Observations = observations };
            if (parse.GetValue(Noise) is { } noise) c = c with { Noise = noise };
            if (parse.GetValue(ObservationFile) is { } observationFile) c = c with { ObservationFile = Path.GetFullPath(observationFile) };
            var termPoints = new Dictionary<string, int>(c.TermPoints);
            foreach (var (term, count) in ParsePairs(parse.GetValue(TermPoints), "--term-points"))
                termPoints[term] = count == Math.Round(count) ? (int)count : throw new UsageException($"--term-points {term}={count}: the count must be an integer.");
            c = c with { TermPoints = termPoints };
            if (c.Model != "custom" && (parse.GetValue(Arch) is not null || parse.GetValue(Weighting) is not null)) c = c with { Model = "custom" };
            c = Diagnostics.ApplyTo(c, parse);
            c = Methods.ApplyTo(c, parse);
            c.Validate();
            c.ValidateFor(problem);
            return c;
        }
        catch (InvalidSettingException e)
        {
            throw new UsageException(FlagOf(e.Setting) is { } flag ? $"{flag} {e.Problem} ({e.Setting})." : e.Message);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The flag that sets a recipe setting, for messages: "adam.learning_rate" → "--lr", "weighting.weights.ic" → "--weight ic".</summary>
    internal static string? FlagOf(string setting)
    {
        foreach (var (prefix, flag) in new[] { ("weighting.weights.", "--weight "), ("sampling.term_points.", "--term-points "), ("data.learn.", "--learn ") })
            if (setting.StartsWith(prefix, StringComparison.Ordinal)) return flag + setting[prefix.Length..];
        return Flags.GetValueOrDefault(setting) ?? MethodOptions.FlagOf(setting);
    }

    private static readonly Dictionary<string, string> Flags = new()
    {
        ["adam.iterations"] = "--iters", ["adam.learning_rate"] = "--lr", ["adam.decay_rate"] = "--decay", ["adam.decay_steps"] = "--decay-steps",
        ["adam.warmup_steps"] = "--warmup-steps", ["adam.keep_best"] = "--adam-keep-best",
        ["lbfgs.iterations"] = "--lbfgs", ["lbfgs.points"] = "--lbfgs-points", ["lbfgs.resample"] = "--lbfgs-resample", ["lbfgs.restart"] = "--lbfgs-restart",
        ["lbfgs.sampling"] = "--lbfgs-sampling", ["lbfgs.weight_scale"] = "--lbfgs-weight-scale", ["lbfgs.keep_best"] = "--lbfgs-keep-best",
        ["causal.chunks"] = "--causal-chunks", ["causal.tolerance"] = "--causal-tol",
        ["network.architecture"] = "--arch", ["network.activation"] = "--activation", ["network.layers"] = "--layers", ["network.periodic_inputs"] = "--periodic",
        ["weighting.scheme"] = "--weighting", ["weighting.beta"] = "--beta", ["weighting.interval"] = "--tau", ["weighting.p"] = "--p",
        ["weighting.aggregation"] = "--aggregation", ["weighting.gradient_parameters"] = "--grad-params", ["weighting.reference_gradient"] = "--reference-gradient",
        ["sampling.batch"] = "--batch", ["sampling.full_batch"] = "--full-batch", ["sampling.residual_points"] = "--residual-points",
        ["sampling.condition_points"] = "--condition-points", ["sampling.residual_batch"] = "--residual-batch", ["sampling.slice_points"] = "--slice-points",
        ["sampling.face_reduction"] = "--face-reduction", ["sampling.normalization"] = "--normalization",
        ["device.precision"] = "--precision", ["device.name"] = "--device",
        ["data.observations"] = "--observations", ["data.noise"] = "--noise",
        ["logging.log_every"] = "--log-every", ["logging.eval_every"] = "--eval-every", ["logging.checkpoint_every"] = "--checkpoint-every", ["logging.eval_grid"] = "--eval-grid",
    };
}
