using System.Numerics.Tensors;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Tensors;
using PinnServe.Engine.Backends;
using PinnServe.Training.Evaluation;
using PinnServe.Training.Weighting;

namespace PinnServe.Training;

public static class TrainerFactory
{
    public static ITrainer Create(TrainingRecipe config, int threads = 1)
    {
        config.Validate();
        return Create(config.CreateProblem(), config, threads);
    }

    /// <summary>A trainer of a problem object (the C# front door: no registration by name).</summary>
    public static ITrainer Create(Problem problem, TrainingRecipe config, int threads = 1)
    {
        config = config with { Problem = problem.Name };
        config.Validate();
        config.ValidateFor(problem);
        return config.Device.Precision == Precision.Float64 ? new Trainer<double>(problem, config, threads) : new Trainer<float>(problem, config, threads);
    }
}

/// <summary>
/// Trains a problem's network: every step samples each term's points, runs each term's tape forward and
/// backward (giving per-term gradients at no extra cost), updates the adaptive weights every τ steps, forms
/// ∇L = Σ ∇L_r + Σ λᵢ∇Lᵢ and takes an Adam step. The loop allocates nothing. After the Adam steps, an optional
/// L-BFGS phase (<see cref="LbfgsRecipe.Iterations"/>) minimizes the same weighted loss on fixed points
/// with the weights frozen.
/// </summary>
public sealed partial class Trainer<T> : ITrainer, IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly CompiledTerm<T>[] _residuals, _weighted;
    private readonly int _referenceResidual; // index into _residuals, or −1 for the sum
    private readonly T[][] _weightedGradients;
    private readonly double[] _losses;
    private readonly Rng _stepRng;
    private readonly Adam<T> _adam;
    private readonly LossWeights _weights;
    private readonly NtkTraces<T>? _ntk; // the "ntk" scheme's per-point gradients
    private readonly Dictionary<string, LearnedCoefficient> _learned = new();
    private readonly double[] _shift, _scale;
    private readonly EvaluationSet? _evaluation;
    private FieldEvaluator<T>? _evaluator;
    private readonly IStepExecutor<T> _step; // the Adam step; the backend's (see Trainer.Step.cs)
    private readonly TermCompiler<T> _compiler;
    private readonly LossTerm[] _terms;
    private readonly LossTerm[] _plainTerms; // the terms without causal weights: what the Adam phase's keep-best measures
    private readonly AdamKeepBest? _adamKeepBest;
    private readonly int _threads;
    private LbfgsPhase? _lbfgs;
    private readonly CausalWeights? _causal;
    private bool _causalPrimed;

    /// <param name="threads">Threads that run the terms' shards in parallel (results do not depend on it).</param>
    public Trainer(Problem problem, TrainingRecipe config, int threads = 1)
    {
        Problem = problem;
        Config = config;
        var store = new ParameterStore<T>();
        var shape = NetworkShape.Parse(config.Network.Layers);
        _network = Nn.Network<T>.Create(config.Network.Architecture, store, problem.Domain.Dimension, problem.Outputs.Length, shape, Activations.Parse(RecipeBinder.NameOf(config.Network.Activation)),
            PeriodicAxes(problem.Domain, config.Network.PeriodicInputs), MethodNetworks.Factorization(config.Network), MethodNetworks.FourierFeatures(config.Network));
        var initRng = new Rng(config.Seed);
        Network.InitializeGlorotNormal(initRng);
        foreach (var (name, initial) in config.Data.Learn)
        {
            if (!problem.Parameters.ContainsKey(name))
                throw new ArgumentException($"Cannot learn '{name}': {problem.Name} has no such parameter (parameters: {string.Join(", ", problem.Parameters.Keys)}).");
            // Trained as θ = coefficient / initial guess (starts at 1): Adam then moves it by relative steps (TermCompiler).
            var info = store.Add(name, 1, 1, ParameterKind.Coefficient, -1);
            store.Values[info.Offset] = T.One;
            _learned[name] = new LearnedCoefficient(info, initial);
        }
        (_shift, _scale) = problem.Domain.Normalization(RecipeBinder.NameOf(config.Sampling.Normalization));

        var compiler = new TermCompiler<T>(Network, problem.Domain, problem.Outputs, _shift, _scale, problem.Parameters, _learned) { SlicePoints = config.Sampling.SlicePoints, MeanOverFaces = config.Sampling.FaceReduction == FaceReduction.Mean };
        _evaluation = CreateEvaluationSet(problem, config);
        Observations = Observations.For(problem, config, _evaluation);
        _alsoReferences = AlsoReferences.For(problem, config.Data.AlsoReferences, EvaluateFields, config.IsEvaluationStep, () => Step);
        IReadOnlyList<LossTerm> terms = Observations is null ? problem.Terms : [.. problem.Terms, Observations.ToLossTerm(problem)];
        _plainTerms = terms.ToArray();
        if (config.Causal.Chunks > 0)
        {
            _causal = new CausalWeights(problem.Domain, config.Causal.Chunks, config.Causal.Tolerance);
            terms = terms.Select(_causal.Wrap).ToArray();
        }
        (_compiler, _terms, _threads) = (compiler, terms.ToArray(), threads);
        foreach (var name in config.Sampling.TermPoints.Keys)
            if (!terms.Any(t => t.Name == name))
                throw new ArgumentException($"--term-points names unknown term '{name}' (terms: {string.Join(", ", terms.Select(t => t.Name))}).");
        (_residuals, _weighted) = CompileTerms(Plan);
        if (_residuals.Length == 0) throw new ArgumentException($"{problem.Name} has no residual term.");
        foreach (var term in _residuals.Concat(_weighted)) term.Prime(initRng);
        _stepRng = new Rng(config.Seed ^ 0x5DEECE66DUL);

        _referenceResidual = config.Weighting.ReferenceGradient switch
        {
            ReferenceGradient.Sum => -1,
            _ => Enumerable.Range(0, _residuals.Length).MaxBy(i => MaxOrder(_residuals[i].Term)),
        };
        _weightedGradients = new T[_weighted.Length][];
        _termStatisticsArrays = _weighted.Select(_ => new BlockStatistics[store.Infos.Count]).ToArray();
        _losses = new double[_residuals.Length + _weighted.Length];
        TermNames = _residuals.Concat(_weighted).Select(t => t.Name).ToArray();
        WeightedTerms = _weighted.Select(t => t.Name).ToArray();
        _weights = new LossWeights(WeightedTerms, CreateEstimator(config.Weighting, store), config.Weighting.Interval,
            config.Weighting.Beta, config.Weighting.BiasCorrection, config.Weighting.Weights,
            _weighted.Where(t => t.Term.FixedWeight).Select(t => t.Name).ToArray());
        if (_weights.Estimator is NtkEstimator ntk) _ntk = new NtkTraces<T>(new TermCompiler<T>(Network, problem.Domain, problem.Outputs, _shift, _scale, problem.Parameters, _learned) { SlicePoints = 1, MeanOverFaces = compiler.MeanOverFaces }, _residuals, _weighted, ntk.Selection, config.Weighting.NtkPoints, config.Seed, config.Weighting.NtkNormalization);
        _adam = new Adam<T>(store.Count, LearningRates.For(config.Adam));
        _step = ComputeBackends.Get(config.Device.Name).CreateStepExecutor(new StepTerms<T>(_residuals, _weighted, _referenceResidual, _adam), threads);
        (_referenceStatistics, _termStatistics) = CreateStatistics(store);
        if (config.Adam.KeepBest > 0) _adamKeepBest = new AdamKeepBest(this);
    }

    public int Threads => _step.Threads;

    public void Dispose()
    {
        _step.Dispose();
        _lbfgs?.Dispose();
        _adamKeepBest?.Dispose();
    }

    /// <summary>Reference data for the relative L²: a given file, else the exact solution, else the problem's solver.</summary>
    private static EvaluationSet? CreateEvaluationSet(Problem problem, TrainingRecipe config) =>
        EvaluationSet.ForRun(problem, config.Data.ReferenceFile, config.Logging.EvaluationGrid, config.Data.ReferenceColumns);

    public Problem Problem { get; }
    public TrainingRecipe Config { get; }
    /// <summary>The network; reading it brings θ to the host first when the step keeps θ on a device (see <see cref="HostNetwork"/>).</summary>
    public Network<T> Network => HostNetwork();
    private readonly Network<T> _network;
    public int Step { get; private set; }
    public IReadOnlyList<string> TermNames { get; }
    public IReadOnlyList<double> Losses => _losses;
    public IReadOnlyList<string> WeightedTerms { get; }
    /// <summary>The weights the current phase applies: λ, or in the L-BFGS phase s·λ (s: <see cref="LbfgsRecipe.WeightScale"/>), so logs show what is minimized.</summary>
    public IReadOnlyList<double> Weights => ActiveLbfgs?.Lambdas ?? _weights.Current;
    public LossWeights LossWeights => _weights;
    /// <summary>Adam's learning rate; in the L-BFGS phase, the last accepted step length.</summary>
    public double LearningRate => ActiveLbfgs?.LastStepLength ?? _adam.CurrentLearningRate;
    /// <summary>The L-BFGS phase once it has taken a step; null while Adam runs.</summary>
    private LbfgsPhase? ActiveLbfgs => Step > Config.Adam.Iterations ? _lbfgs : null;
    public HeldOutLoss? LbfgsHeldOut => _lbfgs?.HeldOut;
    public HeldOutLoss? AdamHeldOut => _adamKeepBest?.HeldOut;
    public int? LbfgsStalledAt => _lbfgs?.StalledAt;
    public double? CausalMinWeight => _causal?.MinWeight;
    public double? CausalUnweightedResidualLoss => _causal?.UnweightedLoss;
    public IReadOnlyList<ITrainingFeature> Features => _features ??= [.. TrainingFeatures.For(Config, () => LbfgsHeldOut, () => AdamHeldOut,
        () => _causal is { } c ? new CausalStatus(c.MinWeight, c.UnweightedLoss) : null, () => LbfgsStalledAt), .. AlsoReferenceFeature];
    private readonly AlsoReferences? _alsoReferences;
    private ITrainingFeature[] AlsoReferenceFeature => _alsoReferences is null ? [] : [_alsoReferences];
    private IReadOnlyList<ITrainingFeature>? _features;
    /// <summary>Each periodic input's axis and period: the domain's extent along it.</summary>
    private static (int Axis, double Period)[] PeriodicAxes(Box domain, IReadOnlyList<string> names) =>
        names.Select(name =>
        {
            int axis = Array.IndexOf(domain.Names, name);
            if (axis < 0) throw new ArgumentException($"Periodic input '{name}' is not an input (inputs: {string.Join(", ", domain.Names)}).");
            return (axis, domain.Axes[axis].Max - domain.Axes[axis].Min);
        }).ToArray();

    /// <summary>The causal weights by time chunk (null without <see cref="CausalRecipe.Chunks"/>).</summary>
    public CausalWeights? Causal => _causal;
    /// <summary>Loss-and-gradient evaluations the L-BFGS phase has made (line-search trials included).</summary>
    public long LbfgsEvaluations => _lbfgs?.Evaluations ?? 0;
    // A checkpoint's best held-out state, handed to the L-BFGS phase when a resumed run (re)creates it.
    private (int Step, double Loss, T[] Parameters)? _resumedBest;
    public int ParameterCount => _network.Parameters.Count;
    public string[] EvaluatedFields => _evaluation?.Fields ?? Problem.EvaluatedFields;
    public (string Origin, string Source)? Evaluation => _evaluation is null ? null : (_evaluation.Origin, _evaluation.Source);
    /// <summary>The residual terms; their losses and gradients are those of the last step (downloaded on demand from a device).</summary>
    public IReadOnlyList<CompiledTerm<T>> ResidualTerms { get { _step?.FetchTermResults(); return _residuals; } }
    public IReadOnlyList<CompiledTerm<T>> WeightedTermTapes { get { _step?.FetchTermResults(); return _weighted; } }

    public IReadOnlyDictionary<string, double> LearnedCoefficients =>
        _learned.ToDictionary(kv => kv.Key, kv => kv.Value.Scale * double.CreateTruncating(Network.Parameters.Values[kv.Value.Parameter.Offset]));

    /// <summary>The observation data of an inverse problem (null without --observations / --observation-file).</summary>
    public Observations? Observations { get; }

    public IReadOnlyDictionary<string, double> MagnitudeErrors { get; private set; } = new Dictionary<string, double>();

    public long FlopsPerStep => _residuals.Concat(_weighted).SelectMany(t => t.Shards).Sum(s => s.ForwardFlops + s.BackwardFlops);

    private SamplingPlan Plan(LossTerm term, Piece piece)
    {
        if (piece.Region is DataPoints data) return SamplingPlan.Fixed(data.Count);
        if (!Config.Sampling.FullBatch) return SamplingPlan.Fresh(Config.Sampling.Batch);
        if (term.Role == TermRole.Residual)
            return Config.Sampling.ResidualBatch > 0 && Config.Sampling.ResidualBatch < Config.Sampling.ResidualPoints
                ? SamplingPlan.MiniBatch(Config.Sampling.ResidualPoints, Config.Sampling.ResidualBatch)
                : SamplingPlan.Fixed(Config.Sampling.ResidualPoints);
        int points = Config.Sampling.TermPoints.TryGetValue(term.Name, out int given) ? given : Config.Sampling.ConditionPoints;
        return SamplingPlan.Fixed(Math.Max(1, points / term.Pieces.Count));
    }

    /// <summary>The Adam plan made fixed: a fresh draw becomes a fixed set of <paramref name="freshPoints"/>, a mini-batched pool its whole size.</summary>
    private SamplingPlan FixedPlan(LossTerm term, Piece piece, int freshPoints)
    {
        var adam = Plan(term, piece);
        return adam.IsFresh ? SamplingPlan.Fixed(freshPoints) : SamplingPlan.Fixed(Math.Max(adam.Pool, adam.Batch));
    }

    /// <summary>The terms compiled on the given sampling plans: residuals first, then the weighted terms, in problem order.</summary>
    private (CompiledTerm<T>[] Residuals, CompiledTerm<T>[] Weighted) CompileTerms(Func<LossTerm, Piece, SamplingPlan> plan) =>
        (_terms.Where(t => t.Role == TermRole.Residual).Select(t => _compiler.Compile(t, p => plan(t, p))).ToArray(),
         _terms.Where(t => t.Role != TermRole.Residual).Select(t => _compiler.Compile(t, p => plan(t, p))).ToArray());

    /// <summary>
    /// Reads every term's loss into <paramref name="losses"/> (residuals first) and sets <paramref name="gradient"/> to the
    /// sum of the residuals' gradients; the weighted terms' gradients are added later with their λ (<see cref="AddWeighted"/>).
    /// </summary>
    private static void GatherResiduals(CompiledTerm<T>[] residuals, CompiledTerm<T>[] weighted, double[] losses, T[] gradient)
    {
        Array.Clear(gradient);
        for (int i = 0; i < residuals.Length; i++)
        {
            losses[i] = double.CreateTruncating(residuals[i].Loss);
            TensorPrimitives.Add(gradient, residuals[i].Gradient, gradient);
        }
        for (int i = 0; i < weighted.Length; i++) losses[residuals.Length + i] = double.CreateTruncating(weighted[i].Loss);
    }

    /// <summary>gradient += Σ λᵢ ∇Lᵢ over the weighted terms.</summary>
    private static void AddWeighted(CompiledTerm<T>[] weighted, IReadOnlyList<double> lambdas, T[] gradient)
    {
        for (int i = 0; i < weighted.Length; i++)
            TensorPrimitives.MultiplyAdd(weighted[i].Gradient, T.CreateTruncating(lambdas[i]), gradient, gradient);
    }

    private static int MaxOrder(LossTerm term) =>
        term.Pieces.SelectMany(p => p.Errors).SelectMany(e => e.Walk()).OfType<FieldDerivative>().Select(f => f.Derivative.Length).DefaultIfEmpty(0).Max();

    private static IWeightEstimator? CreateEstimator(WeightingConfig w, ParameterStore<T> store) =>
        WeightingSchemes.Create(new WeightingContext(w, selection => ParameterSelection.Parse(w.GradientParameters ?? selection, store)));

    public void TrainStep()
    {
        if (Step >= Config.Adam.Iterations && Config.Lbfgs.Iterations > 0)
        {
            (_lbfgs ??= new LbfgsPhase(this)).Iterate();
            Step++;
            _lbfgs.AfterIteration();
            return;
        }
        // Sampling stays on this thread, in term order, so the RNG stream is the same for any thread count.
        for (int i = 0; i < _residuals.Length; i++) _residuals[i].Sample(_stepRng);
        for (int i = 0; i < _weighted.Length; i++) _weighted[i].Sample(_stepRng);
        _step.Evaluate(_losses);
        if (_causal is not null && !_causalPrimed)
        {
            // The first step weights its own batch (later steps use the previous step's residuals).
            _step.FetchTermResults();
            _causal.Update(_residuals);
            _step.Evaluate(_losses);
            _causalPrimed = true;
        }
        if (_causal is not null)
        {
            _step.FetchTermResults(); // the residuals per point
            _causal.Update(_residuals); // this pass's residuals (at θ before the update) weight the next step
        }
        for (int i = 0; i < _losses.Length; i++)
            if (!double.IsFinite(_losses[i]))
                throw new TrainingDivergedException($"Loss '{TermNames[i]}' became {_losses[i]} at step {Step}; stopping (the last good checkpoint is kept).");

        if (_weights.IsDue(Step)) UpdateWeights();
        _step.Update(_weights.Current);
        Step++;
        // The Adam phase ended on earlier parameters: its last losses are re-read for them (same points).
        if (_adamKeepBest?.AfterStep() == true) _step.Evaluate(_losses);
    }

    public double[]? RelativeL2()
    {
        if (_evaluation is null) return null;
        var predicted = EvaluateFields(_evaluation.Fields, _evaluation.Points);
        MagnitudeErrors = Problem.MagnitudeMetrics.Where(m => m.Components.All(_evaluation.Fields.Contains)).ToDictionary(m => m.Name, m => _evaluation.MagnitudeRelativeL2(predicted, m.Components));
        return _evaluation.RelativeL2(predicted);
    }

    public double[][] EvaluateFields(IReadOnlyList<string> fields, double[] points)
    {
        var inputs = Problem.Domain.Names;
        var definitions = fields.Select(f => FieldDefinition.Resolve(f, inputs, Problem.Outputs, Problem.DerivedFields)).ToList();
        bool cached = _evaluator is not null && _evaluator.Fields.Select(f => f.Name).SequenceEqual(fields);
        var evaluator = cached ? _evaluator! : new FieldEvaluator<T>(Network, inputs, Problem.Outputs, _shift, _scale, definitions);
        if (_evaluation is not null && fields.SequenceEqual(_evaluation.Fields)) _evaluator = evaluator;
        return evaluator.Evaluate(points);
    }

    public NetworkFile ToNetworkFile(Dictionary<string, string>? metadata = null) =>
        Network.ToFile(Problem.Domain.Names, Problem.Outputs, _shift, _scale,
            Problem.Domain.Axes.Select(a => new[] { a.Min, a.Max }).ToArray(), metadata);

    public void SaveCheckpoint(string path) => CaptureCheckpoint().Save(path);

    public Checkpoint CaptureCheckpoint()
    {
        _step.PullOptimizer();
        var (adamStep, m, v) = _adam.GetState();
        var (raw, current, updates) = _weights.GetState();
        var best = _lbfgs is null ? _resumedBest : _lbfgs.Best;  // a resumed run keeps its best before the phase restarts
        var checkpoint = new Checkpoint
        {
            Precision = RecipeBinder.NameOf(Config.Device.Precision),
            Step = Step,
            Parameters = Checkpoint.Encode<T>(Network.Parameters.Values),
            AdamStep = adamStep,
            AdamM = Checkpoint.Encode<T>(m),
            AdamV = Checkpoint.Encode<T>(v),
            WeightsRaw = raw,
            WeightsCurrent = current,
            WeightUpdates = updates,
            RngState = _stepRng.GetState(),
            LbfgsBestStep = best?.Step,
            LbfgsBestLoss = best?.Loss,
            LbfgsBestParameters = best is { } b ? Checkpoint.Encode<T>(b.Parameters) : null,
            CausalWeights = _causalPrimed ? _causal?.Weights.ToArray() : null,
            AdamBestStep = _adamKeepBest?.Best?.Step,
            AdamBestLoss = _adamKeepBest?.Best?.Loss,
            AdamBestParameters = _adamKeepBest?.Best is { } adamBest ? Checkpoint.Encode<T>(adamBest.Parameters) : null,
            AdamLastHeldOutStep = _adamKeepBest?.HeldOut?.Step,
            AdamLastHeldOutLoss = _adamKeepBest?.HeldOut?.Loss,
            Lbfgs = _lbfgs?.Capture() ?? _resumedLbfgs,
        };
        return checkpoint;
    }

    public void LoadCheckpoint(string path) => LoadCheckpoint(Checkpoint.Load(path));

    /// <summary>Continues from <paramref name="c"/>; the checkpoint is checked against this run (precision, sizes) before anything is changed.</summary>
    public void LoadCheckpoint(Checkpoint c)
    {
        if (c.Precision != RecipeBinder.NameOf(Config.Device.Precision)) throw new InvalidDataException($"The checkpoint is {c.Precision}, the run is {RecipeBinder.NameOf(Config.Device.Precision)}.");
        var theta = Checkpoint.Decode<T>(c.Parameters);
        if (theta.Length != Network.Parameters.Count)
            throw new InvalidDataException($"The checkpoint has {theta.Length} parameters, the network has {Network.Parameters.Count}.");
        T[] m = Checkpoint.Decode<T>(c.AdamM), v = Checkpoint.Decode<T>(c.AdamV);
        if (m.Length != theta.Length || v.Length != theta.Length) throw new InvalidDataException("The checkpoint's Adam moments do not match its parameters.");
        if (c.WeightsRaw.Length != _weights.Current.Length) throw new InvalidDataException($"The checkpoint has {c.WeightsRaw.Length} loss weights, the run has {_weights.Current.Length}.");
        theta.CopyTo(Network.Parameters.Values, 0);
        _adam.SetState(c.AdamStep, m, v);
        _step.HostOptimizerChanged();
        _weights.SetState(c.WeightsRaw, c.WeightsCurrent, c.WeightUpdates);
        _stepRng.SetState(c.RngState);
        Step = c.Step;
        if (_causal is not null && c.CausalWeights is { } causal)
        {
            _causal.SetWeights(causal);
            foreach (var term in _residuals) term.ReloadKnowns();
            _causalPrimed = true;
        }
        _adamKeepBest?.Restore(c);
        _resumedBest = c is { LbfgsBestStep: { } bestStep, LbfgsBestLoss: { } bestLoss, LbfgsBestParameters: { } bestParameters }
            ? (bestStep, bestLoss, Checkpoint.Decode<T>(bestParameters)) : null;
        // Inside the L-BFGS phase the checkpoint carries its optimizer state; the phase is (re)built on the next step.
        _resumedLbfgs = Step > Config.Adam.Iterations ? c.Lbfgs : null;
        _lbfgs?.Dispose();
        _lbfgs = null;
    }

    // A checkpoint's L-BFGS state, handed to the phase when a resumed run (re)creates it.
    private LbfgsCheckpoint? _resumedLbfgs;

    /// <summary>
    /// The L-BFGS phase: its own compiled terms on fixed points (drawn from seeds of their own, once or every
    /// <see cref="LbfgsRecipe.Resample"/> iterations, so a resumed run rebuilds them), the loss Σ L_r + Σ s·λᵢLᵢ with λ frozen at their last values (s: <see cref="LbfgsRecipe.WeightScale"/>), and the optimizer's
    /// float64 copy of θ. Its curvature history, point set and counters travel in the checkpoint (<see cref="LbfgsCheckpoint"/>),
    /// so a run resumed inside the phase continues it exactly (residual-adaptive point sets excepted: see <see cref="Draw"/>).
    /// </summary>
    private sealed class LbfgsPhase : IDisposable
    {
        private readonly Trainer<T> _owner;
        private readonly CompiledTerm<T>[] _residuals, _weighted;
        private readonly ITermExecutor<T> _executor;
        private readonly Lbfgs _optimizer;
        private readonly double[] _theta;
        private readonly double[] _lambdas;
        private readonly T[] _gradient;
        private int _drawn;
        // Keep-best: the phase's objective on a held-out uniform set (its own seed), measured every LbfgsKeepBest iterations.
        private readonly CompiledTerm<T>[] _heldResiduals = [], _heldWeighted = [];
        private readonly ITermExecutor<T>? _heldExecutor;

        public LbfgsPhase(Trainer<T> owner)
        {
            _owner = owner;
            var config = owner.Config;
            int points = config.Lbfgs.Points > 0 ? config.Lbfgs.Points : 8 * config.Sampling.Batch;
            SamplingPlan Plan(LossTerm term, Piece piece) => owner.FixedPlan(term, piece, points);
            (_residuals, _weighted) = owner.CompileTerms(Plan);
            _drawn = CurrentSet();
            Draw(_drawn);
            _executor = ComputeBackends.Get(config.Device.Name).CreateExecutor<T>([.. _residuals, .. _weighted], owner._threads);
            int n = owner.Network.Parameters.Count;
            _optimizer = new Lbfgs(n);
            _theta = new double[n];
            _gradient = new T[n];
            _lambdas = owner._weights.Current.Select(l => l * config.Lbfgs.WeightScale).ToArray();
            if (config.Lbfgs.KeepBest > 0)
            {
                (_heldResiduals, _heldWeighted) = owner.CompileTerms(Plan);
                var rng = new Rng(config.Seed ^ 0x4E1DBE57UL);
                foreach (var term in _heldResiduals.Concat(_heldWeighted)) term.Prime(rng);
                _heldExecutor = ComputeBackends.Get(config.Device.Name).CreateExecutor<T>([.. _heldResiduals, .. _heldWeighted], owner._threads);
                Best = owner._resumedBest;
            }
            if (owner._resumedLbfgs is { } resumed) Restore(resumed);
        }

        public LbfgsCheckpoint Capture()
        {
            var state = _optimizer.GetState();
            return new LbfgsCheckpoint
            {
                Pairs = state.Pairs,
                S = Checkpoint.Encode<double>(state.S),
                Y = Checkpoint.Encode<double>(state.Y),
                Rho = Checkpoint.Encode<double>(state.Rho),
                Gradient = Checkpoint.Encode<double>(state.Gradient),
                Loss = double.IsNaN(state.Loss) ? null : state.Loss,
                Drawn = _drawn,
                StalledAt = StalledAt,
                Evaluations = Evaluations,
                LastStepLength = LastStepLength,
            };
        }

        // The phase as the checkpoint left it; a checkpoint taken on another point set than the current step's is
        // followed, as in the uninterrupted run, by a redraw and a reset on the next iteration.
        private void Restore(LbfgsCheckpoint c)
        {
            _optimizer.SetState(new LbfgsState(c.Pairs, Checkpoint.Decode<double>(c.S), Checkpoint.Decode<double>(c.Y),
                Checkpoint.Decode<double>(c.Rho), Checkpoint.Decode<double>(c.Gradient), c.Loss ?? double.NaN));
            _drawn = c.Drawn;
            StalledAt = c.StalledAt;
            Evaluations = c.Evaluations;
            LastStepLength = c.LastStepLength;
        }

        public HeldOutLoss? HeldOut { get; private set; }
        public (int Step, double Loss, T[] Parameters)? Best { get; private set; }

        /// <summary>After the step count moved: measures the held-out loss when due and, at the phase's end, restores the best parameters.</summary>
        public void AfterIteration()
        {
            if (_heldExecutor is null) return;
            var config = _owner.Config;
            int step = _owner.Step;
            bool last = step >= config.TotalIterations;
            if ((step - config.Adam.Iterations) % config.Lbfgs.KeepBest != 0 && !last) return;
            var values = _owner.Network.Parameters.Values;
            _heldExecutor.Run();
            double loss = PhaseLoss(_heldResiduals, _heldWeighted);
            if (double.IsFinite(loss) && (Best is null || loss < Best.Value.Loss)) Best = (step, loss, values.ToArray());
            if (Best is { } best)
            {
                HeldOut = new HeldOutLoss(step, loss, best.Step, best.Loss);
                if (last && best.Step != step)
                {
                    best.Parameters.CopyTo(values, 0);
                    // The run's final losses are then those of the parameters it ends with.
                    _executor.Run();
                    GatherResiduals(_residuals, _weighted, _owner._losses, _gradient);
                }
            }
        }

        public double LastStepLength { get; private set; }
        public IReadOnlyList<double> Lambdas => _lambdas;

        // Point set k is drawn from its own seed, so a run resumed inside the phase rebuilds the set it stopped on
        // (a residual-adaptive set also depends on the network when it is drawn: after a resume, the resumed one's,
        // so a run with --lbfgs-sampling residual resumed inside a set is not bit for bit).
        private void Draw(int k)
        {
            var rng = new Rng(_owner.Config.Seed ^ 0x1BF65UL ^ ((ulong)k * 0x9E3779B97F4A7C15UL));
            foreach (var term in _residuals.Concat(_weighted)) term.Prime(rng);
            if (_owner.Config.Lbfgs.Sampling == PointSampling.Residual)
                foreach (var term in _residuals.Concat(_weighted)) ResidualAdaptiveSampling.Redraw(term, _owner._compiler, _owner.Problem.Domain, rng);
        }

        // Which fixed set the current step uses: a new one every LbfgsResample iterations (0: one for the whole phase).
        private int CurrentSet() => _owner.Config.Lbfgs.Resample > 0 ? PhaseIteration / _owner.Config.Lbfgs.Resample : 0;

        // L-BFGS iterations done so far in this phase.
        private int PhaseIteration => _owner.Step - _owner.Config.Adam.Iterations;

        public void Iterate()
        {
            if (CurrentSet() != _drawn)
            {
                // A new fixed set is a new objective: the curvature pairs of the old one no longer apply.
                _drawn = CurrentSet();
                Draw(_drawn);
                _optimizer.Reset();
                StalledAt = null;
            }
            else if (_owner.Config.Lbfgs.Restart > 0 && PhaseIteration > 0 && PhaseIteration % _owner.Config.Lbfgs.Restart == 0)
            {
                _optimizer.Reset(); // as a run resumed here would (a fresh optimizer), so both give the same iterates
            }
            // A line search that fails from steepest descent leaves θ where it was, and every later iteration on the
            // same points would repeat it exactly (same θ, same gradient, same search): skip their evaluations.
            if (StalledAt is not null) { LastStepLength = 0; return; }
            // The iterate is the network's own (possibly float32) θ, re-read every iteration rather than kept in float64,
            // so that a checkpoint — which stores the network's values — resumes exactly the iterate the run was on.
            var values = _owner.Network.Parameters.Values;
            for (int i = 0; i < _theta.Length; i++) _theta[i] = double.CreateTruncating(values[i]);
            LbfgsIteration result;
            bool steepestDescent = _optimizer.StoredPairs == 0;
            try { result = _optimizer.Step(_theta, Objective); }
            catch (ArithmeticException e) { throw new TrainingDivergedException($"L-BFGS at step {_owner.Step}: {e.Message}"); }
            Evaluations += result.Evaluations;
            for (int i = 0; i < _theta.Length; i++) values[i] = T.CreateTruncating(_theta[i]);
            LastStepLength = result.StepLength;
            if (result.StepLength == 0 && steepestDescent) StalledAt = _owner.Step + 1;
        }

        /// <summary>The step whose iteration stalled (see <see cref="Iterate"/>); null while the phase still moves.</summary>
        public int? StalledAt { get; private set; }
        public long Evaluations { get; private set; }

        // Σ L_r + Σ s·λᵢLᵢ and its gradient at θ; the per-term losses are left in the trainer's Losses.
        private double Objective(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            var values = _owner.Network.Parameters.Values;
            for (int i = 0; i < theta.Length; i++) values[i] = T.CreateTruncating(theta[i]);
            _executor.Run();
            GatherResiduals(_residuals, _weighted, _owner._losses, _gradient);
            AddWeighted(_weighted, _lambdas, _gradient);
            for (int i = 0; i < gradient.Length; i++) gradient[i] = double.CreateTruncating(_gradient[i]);
            return PhaseLoss(_residuals, _weighted);
        }

        // Σ L_r + Σ s·λᵢLᵢ over terms the executor has just run: on the fixed points, or on the held-out ones.
        private double PhaseLoss(CompiledTerm<T>[] residuals, CompiledTerm<T>[] weighted)
        {
            double loss = 0;
            for (int i = 0; i < residuals.Length; i++) loss += double.CreateTruncating(residuals[i].Loss);
            for (int i = 0; i < weighted.Length; i++) loss += _lambdas[i] * double.CreateTruncating(weighted[i].Loss);
            return loss;
        }

        public void Dispose()
        {
            _executor.Dispose();
            _heldExecutor?.Dispose();
        }
    }
}
