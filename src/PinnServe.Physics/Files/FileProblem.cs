using PinnServe.Contracts;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;
using PinnServe.Reference;
using PinnServe.Reference.Files;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Physics.Files;

/// <summary>
/// A problem declared in a file (see docs/problem-files.md): inputs with ranges, outputs, parameters, named
/// functions and derived fields, loss terms as expression strings, an exact solution or reference data, and
/// training defaults. Built per parameter set, like the catalog's problems, so `--param` overrides apply
/// everywhere (including integer exponents such as u^k).
/// </summary>
public sealed class FileProblem(ProblemSource source, DocTable doc, IReadOnlyDictionary<string, double> defaults,
    IReadOnlyDictionary<string, double>? overrides) : Problem(Validated(defaults, overrides, doc))
{
    // Initialized before the base constructor runs, which validates overrides against DefaultParameters.
    private readonly IReadOnlyDictionary<string, double> _defaults = defaults;
    private readonly ProblemSource _source = source;
    private readonly DocTable _doc = doc;
    private readonly Dictionary<string, Expr> _exact = new(StringComparer.Ordinal);
    private ExpressionScope _scope = null!;
    private CsgDomain? _geometry;

    internal static FileProblem Create(ProblemSource source, DocTable doc, IReadOnlyDictionary<string, double> defaults, IReadOnlyDictionary<string, double>? overrides)
    {
        var problem = new FileProblem(source, doc, defaults, overrides);
        problem.Build();
        return problem;
    }

    private void Build()
    {
        var doc = _doc;
        _name = doc.RequireString("name");
        _title = doc.String("title") ?? _name;
        _box = GeometryReader.ReadBox(doc);
        _outputs = ReadOutputs(doc);
        CheckDistinctNames(doc);
        _scope = new ExpressionScope(Domain.Names, Outputs, Parameters);
        _geometry = GeometryReader.ReadShapes(doc, Domain, _scope);
        DefineNamed(doc.Table("functions"), "functions");
        DefineNamed(doc.Table("derived"), "derived");
        _derivedFields = ReadDerived(doc.Table("derived"));
        if (doc.Table("exact") is { } exact)
            foreach (var (field, _) in exact.Values)
            {
                if (!Outputs.Contains(field) && !DerivedNames.Contains(field))
                    throw exact.Where(field).Error($"exact solution for unknown field '{field}' (fields: {string.Join(", ", Outputs.Concat(DerivedNames))})");
                _exact[field] = Parse(exact.RequireString(field), exact.Where(field), $"the exact solution of '{field}'");
            }
        _evaluated = ReadEvaluated(doc);
        CheckReference(doc.Table("reference"));
        _terms = new TermReader(this, Domain, _geometry).Read(doc);
        _trainingDefaults = ReadDefaults(doc.Table("training"));
        _magnitudes = doc.Table("magnitudes") is { } m
            ? m.Values.Keys.Select(k => new MagnitudeMetric(k, m.Strings(k).Select(s => s.Text).ToArray())).ToList()
            : [];
    }

    /// <summary>The file this problem was read from (its text is what run directories keep).</summary>
    public ProblemSource Source => _source;
    public override string Name => _name;
    private string _name = "";
    public override string Title => _title;
    private string _title = "";
    public override IReadOnlyDictionary<string, double> DefaultParameters => _defaults;
    public override Box Domain => _box;
    private Box _box = null!;
    /// <summary>The constructive geometry inside the box, or null for the plain box.</summary>
    public CsgDomain? Geometry => _geometry;

    public override bool Contains(double[] point) => _geometry?.Contains(point) ?? base.Contains(point);
    public override string[] Outputs => _outputs;
    private string[] _outputs = [];
    public override IReadOnlyList<LossTerm> Terms => _terms;
    private IReadOnlyList<LossTerm> _terms = [];
    public override TrainingDefaults Defaults => _trainingDefaults;
    private TrainingDefaults _trainingDefaults = new();
    public override IReadOnlyList<FieldDefinition> DerivedFields => _derivedFields;
    private IReadOnlyList<FieldDefinition> _derivedFields = [];
    public override IReadOnlyList<MagnitudeMetric> MagnitudeMetrics => _magnitudes;
    private IReadOnlyList<MagnitudeMetric> _magnitudes = [];
    public override string[] EvaluatedFields => _evaluated;
    private string[] _evaluated = [];
    /// <summary>Named functions and derived fields as parsed.</summary>
    public IReadOnlyDictionary<string, Expr> Named => _scope.Named;
    public IReadOnlyDictionary<string, Expr> ExactExpressions => _exact;
    private string[] DerivedNames => _doc.Table("derived")?.Values.Keys.ToArray() ?? [];

    public override double[]? Exact(double[] point)
    {
        if (_exact.Count == 0 || !EvaluatedFields.All(_exact.ContainsKey)) return null;
        return EvaluatedFields.Select(f => ExprInterpreter.Evaluate(_exact[f], point,
            _ => throw new ArgumentException($"The exact solution of '{f}' may not use network outputs."), Parameters, Domain.Names)).ToArray();
    }

    public override ReferenceSolution? ComputeReference()
    {
        if (_doc.Table("reference") is not { } reference) return null;
        if (reference.String("file") is { } file)
        {
            string path = _source.Resolve(file);
            if (!File.Exists(path)) throw reference.Where("file").Error($"reference file '{file}' does not exist");
            try { return ReferenceFiles.Read(path); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException)
            {
                throw reference.Where("file").Error(e.Message.Replace(path, file));
            }
        }
        if (reference.String("solver") is { } solver)
        {
            if (!ReferenceSolutions.Problems.Contains(solver))
                throw reference.Where("solver").Error($"unknown reference solver '{solver}' (solvers: {string.Join(", ", ReferenceSolutions.Problems)})");
            var names = ReferenceSolutions.Parameters(solver).Select(p => p.Name).ToHashSet();
            return ReferenceSolutions.Compute(solver, Parameters.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));
        }
        return null;
    }

    /// <summary>Parses an expression in this problem's scope, then replaces parts that depend only on coordinates and parameters by one known function (evaluated in float64).</summary>
    internal Expr Parse(string text, SourceLocation where, string? what = null) => ExpressionParser.Parse(text, _scope, where, what);

    internal Expr Collapse(Expr expr)
    {
        // Which sub-expressions use coordinates, and which use the network or data, decided once per node.
        var memo = new Dictionary<Expr, (bool Coordinates, bool Network)>(ReferenceEqualityComparer.Instance);
        (bool Coordinates, bool Network) Uses(Expr e)
        {
            if (memo.TryGetValue(e, out var known)) return known;
            var result = e switch
            {
                Coordinate => (true, false),
                FieldDerivative or Observed => (false, true),
                _ => e.Children().Select(Uses).Aggregate((false, false), (a, b) => (a.Item1 || b.Item1, a.Item2 || b.Item2)),
            };
            memo[e] = result;
            return result;
        }
        var axes = Domain.Names;
        var parameters = Parameters;
        return ExprRewriter.Map(expr, e =>
        {
            if (e is Constant or Coefficient or Expressions.Known or Expressions.Coordinate) return null;
            var (coordinates, network) = Uses(e);
            if (!coordinates || network) return null;
            return new Expressions.Known(ExprFormatter.Format(e), p => ExprInterpreter.Evaluate(e, p, _ => 0, parameters, axes));
        });
    }

    private static IReadOnlyDictionary<string, double>? Validated(IReadOnlyDictionary<string, double> defaults, IReadOnlyDictionary<string, double>? overrides, DocTable doc)
    {
        foreach (var name in overrides?.Keys ?? [])
            if (!defaults.ContainsKey(name))
                throw new ArgumentException($"Unknown parameter '{name}' for {doc.String("name")} (parameters: {string.Join(", ", defaults.Keys)}).");
        return overrides;
    }

    /// <summary>A parameter or output named like an input, or a parameter named like an output, would silently stand for the other.</summary>
    private void CheckDistinctNames(DocTable doc)
    {
        var inputs = doc.Table("inputs")!;
        foreach (var (output, where) in doc.Strings("outputs"))
            if (Domain.Names.Contains(output)) throw where.Error($"output '{output}' is named like an input");
        if (doc.Table("parameters") is not { } parameters) return;
        foreach (var name in parameters.Values.Keys)
        {
            if (Outputs.Contains(name)) throw parameters.Where(name).Error($"parameter '{name}' is named like an output: every '{name}' in the expressions would mean one or the other");
            if (Domain.Names.Contains(name)) throw parameters.Where(name).Error($"parameter '{name}' is named like an input (see [inputs] at line {inputs.Where(name).Line})");
        }
    }

    /// <summary>[reference]: one of file or solver, checked now (a missing file must not pass silently, with or without [exact]).</summary>
    private void CheckReference(DocTable? reference)
    {
        if (reference is null) return;
        reference.OnlyKeys("file", "solver");
        if (reference.Has("file") == reference.Has("solver"))
            throw reference.Location.Error("[reference] needs one of 'file' (a data file) or 'solver' (a built-in reference solver)");
        if (reference.String("file") is { } file)
        {
            if (!File.Exists(_source.Resolve(file))) throw reference.Where("file").Error($"reference file '{file}' does not exist");
            string extension = Path.GetExtension(file).ToLowerInvariant();
            if (!ReferenceFiles.Extensions.Contains(extension))
                throw reference.Where("file").Error($"reference file '{file}': use {string.Join(", ", ReferenceFiles.Extensions)} (a grid as `pinn reference` writes it)");
        }
        if (reference.String("solver") is { } solver && !ReferenceSolutions.Problems.Contains(solver))
            throw reference.Where("solver").Error($"unknown reference solver '{solver}' (solvers: {string.Join(", ", ReferenceSolutions.Problems)})");
    }

    private static string[] ReadOutputs(DocTable doc)
    {
        var outputs = doc.Strings("outputs");
        if (outputs.Count == 0) throw doc.Location.Error("'outputs' is required, e.g. outputs = [\"u\"]");
        foreach (var (name, where) in outputs) CheckName(name, where, "output");
        if (outputs.Select(o => o.Text).Distinct().Count() != outputs.Count) throw doc.Where("outputs").Error("outputs must be distinct");
        return outputs.Select(o => o.Text).ToArray();
    }

    internal static void CheckName(string name, SourceLocation where, string what)
    {
        if (name.Length == 0 || !(char.IsLetter(name[0])) || name.Any(c => !(char.IsLetterOrDigit(c) || c == '_')))
            throw where.Error($"{what} name '{name}' must start with a letter and contain only letters, digits and '_'");
        if (ElementaryFunctions.ByName.ContainsKey(name) || name == "pi") throw where.Error($"{what} name '{name}' is reserved");
    }

    private void DefineNamed(DocTable? table, string section)
    {
        if (table is null) return;
        foreach (var (name, _) in table.Values)
        {
            CheckName(name, table.Where(name), section == "derived" ? "derived field" : "function");
            if (_scope.IsDefined(name)) throw table.Where(name).Error($"'{name}' is already defined");
            _scope.Define(name, Parse(table.RequireString(name), table.Where(name), $"{(section == "derived" ? "derived field" : "function")} '{name}'"));
        }
    }

    /// <summary>Derived fields that are linear in output derivatives become field definitions (evaluation, export, serving).</summary>
    private IReadOnlyList<FieldDefinition> ReadDerived(DocTable? table)
    {
        if (table is null) return [];
        var result = new List<FieldDefinition>();
        foreach (var name in table.Values.Keys)
            if (Linear(_scope.Named[name], 1) is { } terms)
                result.Add(new FieldDefinition { Name = name, Terms = terms.ToArray() });
        return result;
    }

    private static List<FieldTerm>? Linear(Expr e, double scale) => e switch
    {
        FieldDerivative f => [new FieldTerm { Coefficient = scale, Output = f.Output, Derivative = f.Derivative }],
        Affine { Shift: 0 } a => Linear(a.A, scale * a.Scale),
        Sum s => Linear(s.A, scale * s.Alpha) is { } l && Linear(s.B, scale * s.Beta) is { } r ? [.. l, .. r] : null,
        Product { A: Constant c } p => Linear(p.B, scale * c.Value),
        Product { B: Constant c } p => Linear(p.A, scale * c.Value),
        _ => null,
    };

    private string[] ReadEvaluated(DocTable doc)
    {
        var given = doc.Strings("evaluate");
        foreach (var (field, where) in given)
            if (!Outputs.Contains(field) && !DerivedNames.Contains(field))
                throw where.Error($"'evaluate' names unknown field '{field}' (fields: {string.Join(", ", Outputs.Concat(DerivedNames))})");
        if (given.Count > 0) return given.Select(g => g.Text).ToArray();
        if (_exact.Count > 0) return _exact.Keys.ToArray();
        return Outputs;
    }

    private static TrainingDefaults ReadDefaults(DocTable? t)
    {
        var d = new TrainingDefaults();
        if (t is null) return d;
        t.OnlyKeys(["layers", "iterations", "batch", "full_batch", "residual_points", "condition_points", "residual_batch", "model",
            "normalization", "decay", "eval_grid", "term_points", "face_reduction", "reference_gradient", "lbfgs_iterations", "lbfgs_points", "lbfgs_resample", "lbfgs_restart", "lbfgs_sampling", "lbfgs_weight_scale", "lbfgs_keep_best", "adam_keep_best",
            "causal_chunks", "causal_tol", "periodic_inputs", "warmup_steps", .. MethodKeys.Names]);
        // Ranges are checked here, where the file's line and column are known, so `pinn problems --file` refuses what `train` would.
        var termPoints = t.Table("term_points") is { } tp
            ? tp.Values.Keys.ToDictionary(k => k, k => InRange(tp, k, 1, MaxPoints)!.Value)
            : null;
        return new TrainingDefaults(
            Layers: NetworkLayers(t) ?? d.Layers,
            Iterations: NonNegative(t, "iterations") ?? d.Iterations,
            Batch: InRange(t, "batch", 1, MaxPoints) ?? d.Batch,
            FullBatch: t.Bool("full_batch") ?? d.FullBatch,
            ResidualPoints: InRange(t, "residual_points", 1, MaxPoints) ?? d.ResidualPoints,
            ConditionPoints: InRange(t, "condition_points", 1, MaxPoints) ?? d.ConditionPoints,
            Model: OneOf(t, "model", TrainingDefaults.Models) ?? d.Model,
            Normalization: OneOf(t, "normalization", "standardize", "unit") ?? d.Normalization,
            DecayLearningRate: t.Bool("decay") ?? d.DecayLearningRate,
            EvaluationGrid: InRange(t, "eval_grid", 1, 100_000) ?? d.EvaluationGrid,
            ResidualBatch: InRange(t, "residual_batch", 1, MaxPoints) ?? d.ResidualBatch,
            TermPoints: termPoints,
            FaceReduction: OneOf(t, "face_reduction", "sum", "mean") ?? d.FaceReduction,
            ReferenceGradient: OneOf(t, "reference_gradient", "max-order", "sum") ?? d.ReferenceGradient,
            LbfgsIterations: NonNegative(t, "lbfgs_iterations") ?? d.LbfgsIterations,
            LbfgsPoints: InRange(t, "lbfgs_points", 0, MaxPoints) ?? d.LbfgsPoints,
            LbfgsResample: NonNegative(t, "lbfgs_resample") ?? d.LbfgsResample,
            LbfgsRestart: NonNegative(t, "lbfgs_restart") ?? d.LbfgsRestart,
            LbfgsSampling: OneOf(t, "lbfgs_sampling", "uniform", "residual") ?? d.LbfgsSampling,
            LbfgsWeightScale: Positive(t, "lbfgs_weight_scale") ?? d.LbfgsWeightScale,
            LbfgsKeepBest: NonNegative(t, "lbfgs_keep_best") ?? d.LbfgsKeepBest,
            AdamKeepBest: NonNegative(t, "adam_keep_best") ?? d.AdamKeepBest,
            CausalChunks: CausalChunkCount(t) ?? d.CausalChunks,
            CausalTolerance: Positive(t, "causal_tol") ?? d.CausalTolerance,
            PeriodicInputs: t.Has("periodic_inputs") ? t.Strings("periodic_inputs").Select(s => s.Text).ToArray() : d.PeriodicInputs,
            WarmupSteps: NonNegative(t, "warmup_steps") ?? d.WarmupSteps,
            Methods: MethodKeys.Read(t, d.Methods));
    }

    // A choice is checked here, where the file's line and column are known, not later by the training config.
    private static string? OneOf(DocTable t, string key, params string[] allowed) =>
        t.String(key) is not { } value ? null
        : allowed.Contains(value) ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be {string.Join(" or ", allowed)}, got '{value}'");

    private static double? Positive(DocTable t, string key) =>
        t.Number(key) is not { } value ? null
        : value > 0 && double.IsFinite(value) ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be a positive number, got {value}");

    /// <summary>Points one term may hold (the training config's limit: beyond it the tapes cannot fit in memory).</summary>
    private const int MaxPoints = 1_000_000;

    private static int? InRange(DocTable t, string key, int min, int max) =>
        t.Integer(key) is not { } value ? null
        : value >= min && value <= max ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be {min}..{max:N0}, got {value}");

    private static int? CausalChunkCount(DocTable t) =>
        NonNegative(t, "causal_chunks") is not { } value ? null
        : value != 1 && value <= 10_000 ? value
        : throw t.Where("causal_chunks").Error($"'{t.Name("causal_chunks")}' must be 0 (off) or 2..10,000, got {value}");

    private static string? NetworkLayers(DocTable t)
    {
        if (t.String("layers") is not { } layers) return null;
        try { NetworkShape.Parse(layers); }
        catch (FormatException e) { throw t.Where("layers").Error($"'{t.Name("layers")}': {e.Message.TrimEnd('.')}"); }
        return layers;
    }

    private static int? NonNegative(DocTable t, string key) =>
        t.Integer(key) is not { } value ? null
        : value >= 0 ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be ≥ 0, got {value}");
}
