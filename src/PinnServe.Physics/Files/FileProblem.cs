using System.Text.Json.Nodes;
using PinnServe.Training;
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
        _trainingDefaults = ReadDefaults(doc.Table("training"), Domain.Dimension, out _explicitDefaults);
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
    public override TrainingRecipe Defaults => _trainingDefaults;
    private TrainingRecipe _trainingDefaults = new() { Model = "M1" };
    public override IReadOnlyList<SettingValue> ExplicitDefaults => _explicitDefaults;
    private IReadOnlyList<SettingValue> _explicitDefaults = [];
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
        if (reference.Has("file")) return _referenceGrid;
        if (reference.String("solver") is { } solver)
        {
            var names = ReferenceSolutions.Parameters(solver).Select(p => p.Name).ToHashSet();
            return ReferenceSolutions.Compute(solver, Parameters.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));
        }
        return null;
    }

    public override ReferencePoints? ScatteredReference() => _referencePoints;

    /// <summary>The [reference] table's file as the problem file names it (null: none, or a solver).</summary>
    public string? ReferenceFile => _doc.Table("reference") is { } reference && reference.Has("file") ? reference.String("file") : null;

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
        reference.OnlyKeys("file", "solver", "columns");
        if (reference.Has("file") == reference.Has("solver"))
            throw reference.Location.Error("[reference] needs one of 'file' (a data file) or 'solver' (a built-in reference solver)");
        if (reference.Has("columns") && !reference.Has("file")) throw reference.Where("columns").Error("'columns' maps the columns of a reference 'file'");
        if (reference.String("file") is { } file)
            (_referenceGrid, _referencePoints) = ReferenceReader.Read(reference, file, this);
        if (reference.String("solver") is { } solver && !ReferenceSolutions.Problems.Contains(solver))
            throw reference.Where("solver").Error($"unknown reference solver '{solver}' (solvers: {string.Join(", ", ReferenceSolutions.Problems)})");
    }

    private ReferenceSolution? _referenceGrid;
    private ReferencePoints? _referencePoints;

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

    /// <summary>
    /// The [training] table as a recipe: flat keys (iterations, lbfgs_iterations, … as before the recipe) or grouped
    /// tables ([training.adam] learning_rate = …), bound by <see cref="RecipeBinder"/> and checked here, where the
    /// file's line and column are known, so `pinn problems --file` refuses what `train` would.
    /// </summary>
    private static TrainingRecipe ReadDefaults(DocTable? t, int dimension, out IReadOnlyList<SettingValue> explicitSettings)
    {
        var recipe = new TrainingRecipe { Model = "M1" };
        var settings = new List<SettingValue>();
        explicitSettings = settings;
        if (t is null) return recipe;
        var where = new Dictionary<string, (SourceLocation At, string Key)>();
        foreach (var key in t.Values.Keys)
        {
            if (Groups.Contains(key) && t.Values[key] is DocTable group)
            {
                foreach (var leaf in group.Values.Keys) Add($"{key}.{leaf}", group, leaf);
                continue;
            }
            if (key == "decay") // a switch in files: the papers' 0.9 per 1,000 steps, or a constant rate
            {
                bool decay = t.Bool("decay")!.Value;
                settings.Add(new SettingValue("adam.decay_rate", decay ? 0.9 : 1.0));
                where["adam.decay_rate"] = (t.Where(key), t.Name(key));
                continue;
            }
            if (key == "rwf") // a switch in files: on with jaxpi's μ, σ (rwf_mean/rwf_std tune them, in any order), or off
            {
                bool on = t.Bool("rwf")!.Value;
                if (!on && (t.Has("rwf_mean") || t.Has("rwf_std")))
                    throw t.Where(key).Error($"'{t.Name(key)}' is false but rwf_mean/rwf_std are given");
                settings.Insert(0, new SettingValue("network.rwf", on ? new JsonObject() : null));
                where["network.rwf"] = (t.Where(key), t.Name(key));
                continue;
            }
            string? path = FileOnlyNames.GetValueOrDefault(key) ?? (RecipeJson.LegacyFlatNames.TryGetValue(key, out var p) && !NotInFiles.Contains(key) ? p : null);
            if (path is null)
                throw t.Where(key).Error($"unknown key '{t.Name(key)}' (expected a setting such as iterations, batch, layers, model, or a group table [{t.Name("adam")}] with its settings; see docs/options.md)");
            Add(path, t, key);
        }
        try
        {
            recipe = RecipeBinder.Apply(recipe, settings, partial: true);
            recipe.ValidateForDimension(dimension);
            // Names kept in a registry (the weighting schemes, the architectures) are checked here when the library that
            // keeps them has registered them (SettingNames), so a typo is refused at its line and column.
            var named = JsonNode.Parse(recipe.ToJson())!.AsObject();
            foreach (var path in SettingNames.Paths.Where(where.ContainsKey))
                if (SettingNames.Of(path) is { Count: > 0 } names && StringAt(named, path) is { } value && !names.Contains(value))
                    throw new InvalidSettingException(path, $"must be {string.Join(", ", names.Order(StringComparer.Ordinal))}, got '{value}'");
        }
        catch (InvalidSettingException e)
        {
            var (at, key) = Locate(e.Setting);
            throw at.Error($"'{key}' {e.Problem} ({e.Setting})");
        }
        return recipe;

        void Add(string path, DocTable table, string key)
        {
            if (RecipeBinder.TypeAt(path) is null) throw table.Where(key).Error($"unknown key '{table.Name(key)}' ('{path}' is not a setting; see docs/options.md)");
            settings.Add(new SettingValue(path, table.ValueAsJson(key)));
            where[path] = (table.Where(key), table.Name(key));
            if (table.Values[key] is DocTable sub)
                foreach (var entry in sub.Values.Keys) where[$"{path}.{entry}"] = (sub.Where(entry), sub.Name(entry));
        }

        (SourceLocation, string) Locate(string setting)
        {
            for (string? p = setting; p is not null; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : null)
            {
                if (where.TryGetValue(p, out var found)) return found;
                // A group's missing member (fourier_features.count when only the scale is given): where its sibling was set.
                if (p != setting && where.FirstOrDefault(w => w.Key.StartsWith(p + ".", StringComparison.Ordinal)) is { Key: not null } sibling) return sibling.Value;
            }
            return (t.Location, t.Path);
        }
    }

    private static string? StringAt(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node is JsonValue v && v.TryGetValue(out string? text) ? text : null;
    }

    private static readonly string[] Groups = ["network", "adam", "lbfgs", "weighting", "sampling", "causal", "data", "logging", "device"];
    /// <summary>Settings a problem file names differently from config.json (kept from before the recipe).</summary>
    private static readonly Dictionary<string, string> FileOnlyNames = new()
    {
        ["eval_grid"] = "logging.eval_grid", ["causal_tol"] = "causal.tolerance", ["reference_gradient"] = "weighting.reference_gradient",
        // docs/methods.md: the weighting scheme (over the model's), NTK batch, weight factorization, Fourier features.
        ["weighting"] = "weighting.scheme", ["ntk_points"] = "weighting.ntk_points", ["ntk_normalization"] = "weighting.ntk_normalization", ["rwf_mean"] = "network.rwf.mean", ["rwf_std"] = "network.rwf.std",
        ["fourier_features"] = "network.fourier_features.count", ["fourier_scale"] = "network.fourier_features.scale",
    };
    /// <summary>What a problem file declares elsewhere (its name, [parameters]) or a run decides (the seed, the file itself).</summary>
    private static readonly string[] NotInFiles = ["problem", "problem_file", "problem_directory", "parameters", "seed", "weighting"];
}
