using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Physics.Files;
using PinnServe.Training;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli;

/// <summary>The options shared by `pinn train`, `pinn bench train` and `pinn reproduce`, and how they map onto a recipe (one row per option in <see cref="Bindings"/>).</summary>
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
    public readonly Option<bool> BiasCorrection = new("--bias-correction") { Description = "Start λ at 0 and apply λ/(1−βⁿ) (Deguchi & Asai 2023 §3.1)." };
    public readonly Option<string?> P = new("--p") { Description = "Grad-norm p: 1, 2 or inf." };
    public readonly Option<string?> GradParams = new("--grad-params") { Description = "Gradient statistics over 'weights' (Wang et al. 2021) or 'all' parameters (Deguchi & Asai 2023)." };
    public readonly Option<string?> Aggregation = new("--aggregation") { Description = "Annealing statistic: layerwise (Wang et al. 2021), flat (Deguchi & Asai 2023), layer-ratio (Wang et al. 2021 cavity)." };
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
    public readonly Option<bool?> FullBatch = new("--full-batch") { Description = "Train on fixed point sets (Deguchi & Asai 2023) instead of fresh samples." };
    public readonly Option<int?> ResidualPoints = new("--residual-points") { Description = "Residual points (full batch) or pool size." };
    public readonly Option<int?> ConditionPoints = new("--condition-points") { Description = "Points per condition term (full batch)." };
    public readonly Option<int?> ResidualBatch = new("--residual-batch") { Description = "Residual mini-batch drawn from the pool each step." };
    public readonly Option<double?> Lr = new("--lr") { Description = "Initial learning rate (default 1e-3)." };
    public readonly Option<double?> Decay = new("--decay") { Description = "Exponential decay factor per --decay-steps (1 = constant)." };
    public readonly Option<int?> DecaySteps = new("--decay-steps") { Description = "Steps per decay factor (default 1000)." };
    public readonly Option<string?> Schedule = new("--schedule") { Description = "Adam's learning-rate schedule: exponential (default; --decay per --decay-steps) or cosine (from --lr down to 0 at the last Adam step)." };
    public readonly Option<int?> WarmupSteps = new("--warmup-steps") { Description = "Adam steps over which the learning rate rises linearly from 0 to its scheduled value (default 0: none)." };
    public readonly Option<string?> Normalization = new("--normalization") { Description = "standardize, unit or none (raw coordinates)." };
    public readonly Option<string?> Precision = new("--precision") { Description = "float32 (default) or float64." };
    public readonly Option<ulong?> Seed = new("--seed") { Description = "Random seed (same seed, same run)." };
    public readonly Option<string[]> Param = new("--param") { Description = "Problem parameter, name=value (repeatable)." };
    public readonly Option<string[]> Learn = new("--learn") { Description = "Learn a PDE coefficient, name=initial_guess (inverse problems)." };
    public readonly Option<int?> ObservationCount = new("--observations") { Description = "Inverse problems: N observation points for a \"data\" term, drawn from the reference (or a subset of --observation-file)." };
    public readonly Option<double?> Noise = new("--noise") { Description = "Gaussian noise on the observations, as a fraction of each field's std (0.01 = 1%; seeded)." };
    public readonly Option<string?> ObservationColumns = new("--observation-columns") { Description = "Names for --observation-file's columns: all by position (x,t,u: a table without a header) or name=column pairs (x=X)." };
    public readonly Option<string?> ReferenceColumns = new("--reference-columns") { Description = "Names for --reference's columns: all by position (x,y,u: a table without a header) or name=column pairs (x=X)." };
    public readonly Option<string?> ObservationFile = new("--observation-file") { Description = "Observations from a file: .npz from `pinn reference`, or a CSV table with the axes then the fields as columns." };
    public readonly Option<string[]> TermPoints = new("--term-points") { Description = "Full-batch points of one condition term, name=count (repeatable; e.g. ic=100)." };
    public readonly Option<string[]> AlsoReference = new("--also-reference") { Description = "Another reference file the run is scored against as well (repeatable; any file --reference reads; e.g. the exact solution beside a benchmark's file): metrics.csv gains rel_l2_FIELD@NAME columns, summary.json rel_l2_also.", AllowMultipleArgumentsPerToken = false };
    public readonly Option<string?> Reference = new("--reference") { Description = "Reference data for the relative L²: a `pinn reference` grid, or any table `pinn eval --reference` reads (COMSOL .dat/.txt, CSV, .npy/.npz/.mat) as scattered points, columns matched by name ignoring case (default: the exact solution, the problem file's [reference] or the problem's solver)." };
    public readonly Option<int?> EvalGrid = new("--eval-grid") { Description = "Evaluation grid points per axis." };
    public readonly Option<int?> LogEvery = new("--log-every") { Description = "Metrics row every N steps." };
    public readonly Option<int?> EvalEvery = new("--eval-every") { Description = "Relative L² every N steps." };
    public readonly Option<int> Threads = new("--threads") { Description = "Threads running the terms' point slices in parallel (default: every core; results are identical for any count).", DefaultValueFactory = _ => Environment.ProcessorCount };
    public readonly Option<int?> SlicePoints = new("--slice-points") { Description = "Points per slice (shard) of a loss term; slices run on any core (default 256)." };
    public readonly Option<string?> FaceReduction = new("--face-reduction") { Description = "A condition on several faces (e.g. four walls): sum of the per-face means (default) or one mean over all its points." };
    public readonly Option<string?> Device = new("--device") { Description = "Compute backend: cpu (default), cuda (NVIDIA GPU through ILGPU, float32) or ilgpu-cpu (the GPU kernels on the CPU, for checks)." };
    public readonly Option<int?> CheckpointEvery = new("--checkpoint-every") { Description = "Checkpoint every N steps." };

    // The methods of docs/methods.md: NTK weights' batch, random weight factorization, random Fourier features.
    public readonly Option<string?> NtkNormalization = new("--ntk-normalization") { Description = "How --weighting ntk normalises each term's NTK diagonal: mean (jaxpi, default) or trace (the paper's Algorithm 1: summed over the term's points)." };
    public readonly Option<int?> NtkPoints = new("--ntk-points") { Description = $"Points per term whose per-point gradients estimate the NTK traces of --weighting ntk (default {WeightingConfig.DefaultNtkPoints})." };
    public readonly Option<bool> Rwf = new("--rwf") { Description = "Random weight factorization: every dense weight trained as V·diag(exp(s)), s ~ N(--rwf-mean, --rwf-std²) (jaxpi: 1, 0.1)." };
    public readonly Option<double?> RwfMean = new("--rwf-mean") { Description = "Mean μ of the initial log-scales s of --rwf (default 1; implies --rwf)." };
    public readonly Option<double?> RwfStd = new("--rwf-std") { Description = "Standard deviation σ of the initial log-scales s of --rwf (default 0.1; implies --rwf)." };
    public readonly Option<int?> FourierFeatures = new("--fourier-features") { Description = "Random Fourier features: the layers see [cos(x̂B), sin(x̂B)] with B (inputs × N) ~ N(0, σ²) fixed; N here (default: none)." };
    public readonly Option<double?> FourierScale = new("--fourier-scale") { Description = "σ of the Fourier feature matrix B (default 1; needs --fourier-features unless the problem sets them)." };

    public readonly DiagnosticOptions Diagnostics = new();

    public IEnumerable<Symbol> All() =>
    [
        Problem, Model, Arch, Periodic, Activation, Weighting, Beta, Tau, BiasCorrection, P, GradParams, Aggregation, ReferenceGradient, Weight,
        Layers, Iters, Lbfgs, LbfgsPoints, LbfgsResample, LbfgsRestart, LbfgsSampling, LbfgsWeightScale, LbfgsKeepBest, AdamKeepBest, CausalChunks, CausalTol, Batch, FullBatch, ResidualPoints, ConditionPoints, ResidualBatch, Lr, Schedule, Decay, DecaySteps, WarmupSteps, Normalization,
        Precision, Seed, Param, Learn, ObservationCount, Noise, ObservationFile, ObservationColumns, ReferenceColumns, TermPoints, Reference, AlsoReference, EvalGrid, LogEvery, EvalEvery, CheckpointEvery, Threads,
        SlicePoints, FaceReduction, Device, .. Diagnostics.All(),
        NtkPoints, NtkNormalization, Rwf, RwfMean, RwfStd, FourierFeatures, FourierScale,
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

    /// <summary>An option and the recipe settings it gives (none when it was left out).</summary>
    private sealed record Binding(Option Option, string Path, Func<ParseResult, IEnumerable<(string Path, JsonNode? Value)>> Read);

    private static Binding Bind<T>(Option<T> option, string path, Func<T, JsonNode?>? convert = null) =>
        new(option, path, parse => parse.GetValue(option) is { } value ? [(path, convert is null ? JsonSerializer.SerializeToNode(value) : convert(value))] : []);

    private static JsonObject Pairs(Dictionary<string, double> pairs) => new(pairs.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));

    /// <summary>Every option that sets a recipe setting, and its path: the one place the command line meets the recipe.</summary>
    private IEnumerable<Binding> Bindings() =>
    [
        Bind(Weighting, "weighting.scheme", s => JsonValue.Create(NormalizeScheme(s!))), Bind(Beta, "weighting.beta"), Bind(Tau, "weighting.interval"),
        new(BiasCorrection, "weighting.bias_correction", p => p.GetValue(BiasCorrection) ? [("weighting.bias_correction", JsonValue.Create(true))] : []),
        Bind(P, "weighting.p"), Bind(GradParams, "weighting.gradient_parameters"), Bind(Aggregation, "weighting.aggregation"),
        Bind(ReferenceGradient, "weighting.reference_gradient"),
        new(Weight, "weighting.weights", p => ParsePairs(p.GetValue(Weight), "--weight") is { Count: > 0 } w ? [("weighting.weights", Pairs(w))] : []),
        Bind(Arch, "network.architecture"), Bind(Activation, "network.activation"), Bind(Layers, "network.layers"),
        Bind(Periodic, "network.periodic_inputs", s => new JsonArray(s!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => (JsonNode?)JsonValue.Create(x)).ToArray())),
        Bind(NtkPoints, "weighting.ntk_points"), Bind(NtkNormalization, "weighting.ntk_normalization"),
        // --rwf alone switches the factorization on with jaxpi's μ, σ; --rwf-mean/--rwf-std set theirs (and switch it on).
        new(Rwf, "network.rwf", p => p.GetValue(Rwf) && p.GetValue(RwfMean) is null && p.GetValue(RwfStd) is null ? [("network.rwf", new JsonObject())] : []),
        Bind(RwfMean, "network.rwf.mean"), Bind(RwfStd, "network.rwf.std"),
        Bind(FourierFeatures, "network.fourier_features.count"), Bind(FourierScale, "network.fourier_features.scale"),
        Bind(Iters, "adam.iterations"), Bind(Lr, "adam.learning_rate"), Bind(Schedule, "adam.schedule"), Bind(Decay, "adam.decay_rate"),
        Bind(DecaySteps, "adam.decay_steps"), Bind(WarmupSteps, "adam.warmup_steps"), Bind(AdamKeepBest, "adam.keep_best"),
        Bind(Lbfgs, "lbfgs.iterations"), Bind(LbfgsPoints, "lbfgs.points"), Bind(LbfgsResample, "lbfgs.resample"), Bind(LbfgsRestart, "lbfgs.restart"),
        Bind(LbfgsSampling, "lbfgs.sampling"), Bind(LbfgsWeightScale, "lbfgs.weight_scale"), Bind(LbfgsKeepBest, "lbfgs.keep_best"),
        Bind(CausalChunks, "causal.chunks"), Bind(CausalTol, "causal.tolerance"),
        Bind(Batch, "sampling.batch"), Bind(FullBatch, "sampling.full_batch"), Bind(ResidualPoints, "sampling.residual_points"),
        // --condition-points replaces the per-term defaults (burgers: ic 100, bc 200); --term-points then adds its own.
        new(ConditionPoints, "sampling.condition_points", p => p.GetValue(ConditionPoints) is { } cp ? [("sampling.condition_points", JsonValue.Create(cp)), ("sampling.term_points", new JsonObject())] : []),
        Bind(ResidualBatch, "sampling.residual_batch", rb => rb >= 1 ? JsonValue.Create(rb) : throw new UsageException($"--residual-batch must be ≥ 1, got {rb} (leave it out to use the whole pool).")),
        new(TermPoints, "sampling.term_points", p => ParsePairs(p.GetValue(TermPoints), "--term-points").Select(t => ($"sampling.term_points.{t.Key}",
            (JsonNode?)JsonValue.Create(t.Value == Math.Round(t.Value) ? (int)t.Value : throw new UsageException($"--term-points {t.Key}={t.Value}: the count must be an integer."))))),
        Bind(Normalization, "sampling.normalization"), Bind(SlicePoints, "sampling.slice_points"), Bind(FaceReduction, "sampling.face_reduction"),
        Bind(Precision, "device.precision"), Bind(Device, "device.name"), Bind(Seed, "seed"),
        Bind(Reference, "data.reference_file", f => JsonValue.Create(Path.GetFullPath(f!))),
        new(AlsoReference, "data.also_references", p => p.GetValue(AlsoReference) is { Length: > 0 } files
            ? [("data.also_references", new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(Path.GetFullPath(f))).ToArray()))] : []),
        new(Learn, "data.learn", p => ParsePairs(p.GetValue(Learn), "--learn") is { Count: > 0 } l ? [("data.learn", Pairs(l))] : []),
        Bind(ObservationCount, "data.observations"), Bind(Noise, "data.noise"),
        Bind(ObservationFile, "data.observation_file", f => JsonValue.Create(Path.GetFullPath(f!))),
        Bind(ObservationColumns, "data.observation_columns"), Bind(ReferenceColumns, "data.reference_columns"),
        Bind(EvalGrid, "logging.eval_grid"), Bind(LogEvery, "logging.log_every"), Bind(EvalEvery, "logging.eval_every"), Bind(CheckpointEvery, "logging.checkpoint_every"),
    ];

    /// <summary>What the options say about the recipe (not the problem): the model preset, the parameters and every
    /// explicit option as a setting by path, the flag as its origin. A sweep's values and --train-args are read so too.</summary>
    public RecipeOverrides Overrides(ParseResult parse)
    {
        var settings = Bindings().SelectMany(b => b.Read(parse).Select(s => new SettingValue(s.Path, s.Value, b.Option.Name))).ToList();
        settings.AddRange(Diagnostics.Settings(parse));
        return new RecipeOverrides
        {
            Model = parse.GetValue(Model), Parameters = ParsePairs(parse.GetValue(Param), "--param"), Settings = settings,
            HessianAtDefaultInterval = parse.GetValue(Diagnostics.Hessian),
        };
    }

    /// <summary>Problem defaults, then the model preset, then every explicit option, bound by <see cref="RecipeBinder"/>
    /// (<see cref="RecipeOverrides.Bind"/>: the same binding as a row of an experiment file).</summary>
    public TrainingRecipe Build(ParseResult parse)
    {
        string name = parse.GetValue(Problem) ?? throw new UsageException("Name a problem (see `pinn problems`) or a problem file (.toml, .yaml, .json).");
        Problem problem;
        bool isFile = ProblemDocument.IsProblemFile(name);
        var overrides = Overrides(parse);
        try
        {
            problem = isFile ? ProblemFiles.Load(name, overrides.Parameters) : ProblemCatalog.Create(name, overrides.Parameters);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        catch (FileNotFoundException e) { throw new UsageException(e.Message); }
        try
        {
            var c = overrides.Bind(problem);
            if (isFile) c = c with { ProblemFile = Path.GetFullPath(name), ProblemDirectory = Path.GetDirectoryName(Path.GetFullPath(name)) };
            return c;
        }
        catch (InvalidSettingException e)
        {
            string? flag = e.Origin is { } origin && origin.StartsWith("--", StringComparison.Ordinal) ? FlagWithKey(origin, e.Setting) : FlagOf(e.Setting);
            throw new UsageException(flag is not null ? $"{flag} {e.Problem} ({e.Setting})." : e.Message);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The overrides of `pinn train` options without a problem (--train-args, a sweep's value).</summary>
    public static RecipeOverrides ParseOverrides(IReadOnlyList<string> options)
    {
        var (train, parse) = ParseTrain(["placeholder-problem", .. options]);
        return train.Overrides(parse);
    }

    /// <summary>The recipe of a whole `pinn train` command line (problem first), as `pinn train` would train it.</summary>
    public static TrainingRecipe BuildCommandLine(IReadOnlyList<string> arguments)
    {
        var (train, parse) = ParseTrain(arguments);
        return train.Build(parse);
    }

    private static (TrainOptions, ParseResult) ParseTrain(IReadOnlyList<string> arguments)
    {
        var options = new TrainOptions();
        var command = new Command("train");
        options.AddTo(command);
        var parse = command.Parse([.. arguments]);
        if (parse.Errors.Count > 0) throw new UsageException(parse.Errors[0].Message);
        return (options, parse);
    }

    /// <summary>A repeatable name=value flag names the entry: "--weight ic".</summary>
    private static string FlagWithKey(string flag, string setting) =>
        flag is "--weight" or "--term-points" or "--learn" && setting.Count(ch => ch == '.') >= 2 ? $"{flag} {setting[(setting.LastIndexOf('.') + 1)..]}" : flag;

    /// <summary>The flag that sets a recipe setting, for messages: "adam.learning_rate" → "--lr", "weighting.weights.ic" → "--weight ic".</summary>
    internal static string? FlagOf(string setting)
    {
        foreach (var (prefix, flag) in new[] { ("weighting.weights.", "--weight "), ("sampling.term_points.", "--term-points "), ("data.learn.", "--learn ") })
            if (setting.StartsWith(prefix, StringComparison.Ordinal)) return flag + setting[prefix.Length..];
        foreach (var binding in new TrainOptions().Bindings())
            if (binding.Path == setting) return binding.Option.Name;
        return null;
    }
}
