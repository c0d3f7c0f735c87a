using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PinnServe.Physics;
using PinnServe.Physics.Files;

namespace PinnServe.Training.Trials;

/// <summary>
/// The problem a trial trains: a catalog problem by name, or a problem file embedded as its text (so the trial file
/// is self-contained and can be copied to another machine).
/// </summary>
public sealed record TrialProblem
{
    /// <summary>A catalog problem's name (`pinn problems`); null when the problem is embedded.</summary>
    public string? Catalog { get; init; }
    /// <summary>The embedded problem file's name; its extension (.toml, .yaml, .json) picks the syntax.</summary>
    public string? FileName { get; init; }
    /// <summary>The embedded problem file's text.</summary>
    public string? Text { get; init; }
    /// <summary>Problem parameters (as `--param name=value`).</summary>
    public Dictionary<string, double>? Parameters { get; init; }

    public static TrialProblem FromCatalog(string name, IReadOnlyDictionary<string, double>? parameters = null) =>
        new() { Catalog = name, Parameters = parameters is { Count: > 0 } ? new(parameters) : null };

    public static TrialProblem FromFile(string path, IReadOnlyDictionary<string, double>? parameters = null) =>
        new() { FileName = Path.GetFileName(path), Text = File.ReadAllText(path), Parameters = parameters is { Count: > 0 } ? new(parameters) : null };
}

/// <summary>
/// One trial as one self-contained, versioned file: the problem, the recipe (overrides of the problem's defaults,
/// in the JSON of a run's config.json), the seed and the run directory. `pinn run-trial TRIAL.json` trains it into
/// the run directory, resuming if it holds a checkpoint; it is the unit a sweep, a reproduction table or a cluster
/// scheduler hands out.
/// <code>
/// {"format": "pinnserve-trial", "version": 2, "name": "burgers-DN-s1",
///  "problem": {"catalog": "burgers"}, "recipe": {"model": "DN", "adam": {"iterations": 30000}}, "seed": 1, "run_dir": "burgers-dn-s1"}
/// </code>
/// Version 1 held the flat recipe of the config.json before the grouped one ("iterations": 30000); it is still read.
/// </summary>
public sealed record TrialFile
{
    public const string Format = "pinnserve-trial";
    /// <summary>The version this build writes and the newest it reads (2: the grouped recipe; 1: the flat one, still read).</summary>
    public const int CurrentVersion = 2;
    /// <summary>Where a trial's own copy is kept in its run directory (a resumed run must be the same trial).</summary>
    public const string CopyInRunDirectory = "trial.json";

    [JsonPropertyName("format")] public string FormatName { get; init; } = Format;
    public int Version { get; init; } = CurrentVersion;
    public required string Name { get; init; }
    public required TrialProblem Problem { get; init; }
    /// <summary>Overrides of the problem's defaults, grouped as in config.json ("model", "adam": {"iterations": …}); empty: the defaults.</summary>
    public JsonObject Recipe { get; init; } = new();
    public ulong Seed { get; init; } = 1;
    /// <summary>The run directory; a relative path resolves against the run root (`--run-root`), else the trial file's folder.</summary>
    public required string RunDir { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Recipe keys that belong to the trial itself, not to its recipe.</summary>
    private static readonly string[] TrialOwnedKeys = ["problem", "problem_file", "problem_directory", "parameters", "seed", "version"];

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// The trial of a training config: its problem (catalog name, or the problem file's text embedded), its seed, and as
    /// recipe only the settings that differ from the problem's defaults under the config's model, so
    /// <see cref="ToConfig"/> gives the config back.
    /// </summary>
    public static TrialFile FromConfig(TrainingRecipe config, string name, string runDir)
    {
        var problem = config.ProblemFile is { } file
            ? TrialProblem.FromFile(file, config.Parameters)
            : TrialProblem.FromCatalog(config.Problem, config.Parameters);
        var created = config.CreateProblem();
        string? model = ModelPresets.Names.Contains(config.Model) ? config.Model : null;
        var defaults = JsonNode.Parse(Recipes.For(created, model).ToJson())!.AsObject();
        var wanted = JsonNode.Parse(config.ToJson())!.AsObject();
        foreach (var key in TrialOwnedKeys) wanted.Remove(key);
        var recipe = Difference(wanted, defaults);
        if (model is not null) recipe["model"] = model;   // the preset the differences are relative to
        return new TrialFile { Name = name, Problem = problem, Recipe = recipe, Seed = config.Seed, RunDir = runDir };
    }

    /// <summary>
    /// The trial of a training config with its whole recipe (every setting, not only those that differ from the problem's
    /// defaults): what `pinn reproduce` and `pinn sweep` hand out, so a trial means the same to a later pinn whose
    /// problem defaults moved. Data files named by the recipe are absolute, as every node sees the same paths.
    /// </summary>
    public static TrialFile WithWholeRecipe(TrainingRecipe config, string name, string runDir)
    {
        var problem = config.ProblemFile is { } file
            ? TrialProblem.FromFile(file, config.Parameters)
            : TrialProblem.FromCatalog(config.Problem, config.Parameters);
        var recipe = JsonNode.Parse(config.ToJson())!.AsObject();
        foreach (var key in TrialOwnedKeys) recipe.Remove(key);
        if (recipe["data"] is JsonObject data)
            foreach (string key in new[] { "reference_file", "observation_file" })
                if (data[key] is JsonValue v && v.TryGetValue(out string? path)) data[key] = Path.GetFullPath(path);
        if (recipe["data"]?["also_references"] is JsonArray also)
            for (int i = 0; i < also.Count; i++)
                if (also[i] is JsonValue v && v.TryGetValue(out string? path)) also[i] = Path.GetFullPath(path);
        return new TrialFile { Name = name, Problem = problem, Recipe = recipe, Seed = config.Seed, RunDir = runDir };
    }

    /// <summary>The keys of <paramref name="wanted"/> whose values differ from <paramref name="baseline"/>'s (objects key by key, except maps of names).</summary>
    private static JsonObject Difference(JsonObject wanted, JsonObject baseline)
    {
        var result = new JsonObject();
        foreach (var (key, value) in wanted)
        {
            var before = baseline[key];
            if (value is JsonObject inner && before is JsonObject innerBefore && key is not ("weights" or "term_points" or "learn"))
            {
                var nested = Difference(inner, innerBefore);
                if (nested.Count > 0) result[key] = nested;
            }
            else if (!JsonNode.DeepEquals(value, before)) result[key] = value?.DeepClone();
        }
        foreach (var (key, _) in baseline)
            if (!wanted.ContainsKey(key) && !TrialOwnedKeys.Contains(key)) result[key] = null; // a default the config leaves unset (null)
        return result;
    }

    public static TrialFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Trial file '{path}' does not exist.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads a trial, refusing another format, a newer version, unknown keys and missing fields by name.</summary>
    public static TrialFile Parse(string json, string source)
    {
        JsonObject root;
        try { root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: a trial file is a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON ({e.Message})."); }
        string? format = root["format"] is JsonValue f && f.TryGetValue(out string? s) ? s : null;
        if (format != Format) throw new InvalidDataException($"{source}: not a trial file (\"format\" must be \"{Format}\", got {(format is null ? "nothing" : $"\"{format}\"")}).");
        int version = root["version"] is JsonValue v && v.TryGetValue(out int n) ? n : throw new InvalidDataException($"{source}: \"version\" must be an integer.");
        if (version > CurrentVersion)
            throw new InvalidDataException($"{source}: trial file version {version} is newer than this pinn reads (up to {CurrentVersion}); run it with a newer pinn.");
        if (version < 1) throw new InvalidDataException($"{source}: \"version\" must be ≥ 1, got {version}.");
        TrialFile trial;
        try { trial = root.Deserialize<TrialFile>(JsonOptions) ?? throw new InvalidDataException($"{source}: empty trial."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: {Describe(e)}"); }
        trial.Check(source);
        if (version == 1) trial = trial with { Version = CurrentVersion, Recipe = Regroup(trial.Recipe, source) };
        return trial;
    }

    /// <summary>A version-1 recipe (flat keys of the config.json before the grouped recipe) as grouped overrides.</summary>
    private static JsonObject Regroup(JsonObject flat, string source)
    {
        try
        {
            var grouped = RecipeJson.FromFlat(flat, $"{source}: recipe");
            grouped.Remove("version");
            return grouped;
        }
        catch (InvalidDataException e) { throw new InvalidDataException(e.Message); }
    }

    private void Check(string source)
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new InvalidDataException($"{source}: \"name\" must not be empty.");
        if (string.IsNullOrWhiteSpace(RunDir)) throw new InvalidDataException($"{source}: \"run_dir\" must not be empty.");
        bool catalog = Problem.Catalog is not null, embedded = Problem.FileName is not null || Problem.Text is not null;
        if (catalog == embedded)
            throw new InvalidDataException($"{source}: \"problem\" must hold either \"catalog\" (a problem name) or \"file_name\" and \"text\" (an embedded problem file).");
        if (embedded && (string.IsNullOrWhiteSpace(Problem.FileName) || Problem.Text is null))
            throw new InvalidDataException($"{source}: an embedded problem needs both \"problem.file_name\" and \"problem.text\".");
        if (embedded && !ProblemDocument.IsProblemFile(Problem.FileName!))
            throw new InvalidDataException($"{source}: \"problem.file_name\" must end in .toml, .yaml, .yml or .json, got '{Problem.FileName}'.");
        if (embedded && Path.GetFileName(Problem.FileName) != Problem.FileName)
            throw new InvalidDataException($"{source}: \"problem.file_name\" is a file name, not a path: '{Problem.FileName}'.");
        foreach (var key in TrialOwnedKeys)
            if (Recipe.ContainsKey(key)) throw new InvalidDataException($"{source}: recipe.{key} belongs to the trial itself (its \"problem\" and \"seed\"), not to the recipe.");
    }

    private static string Describe(JsonException e) =>
        e.Path is { Length: > 1 } path ? $"at {path.TrimStart('$', '.')}: {e.Message}" : e.Message;

    /// <summary>The run directory: absolute as given, else under <paramref name="runRoot"/>.</summary>
    public string ResolveRunDir(string runRoot) => Path.GetFullPath(Path.IsPathRooted(RunDir) ? RunDir : Path.Combine(runRoot, RunDir));

    /// <summary>
    /// The training config: the problem's defaults (with the recipe's model preset), the recipe's keys over them, the
    /// trial's seed. An embedded problem file is written to <paramref name="problemPath"/> first (the run keeps it).
    /// </summary>
    public TrainingRecipe ToConfig(string problemPath, string dataDirectory)
    {
        var parameters = Problem.Parameters ?? new();
        Problem problem;
        string? problemFile = null;
        if (Problem.Catalog is { } name) problem = ProblemCatalog.Create(name, parameters);
        else
        {
            problemFile = problemPath + Path.GetExtension(Problem.FileName!).ToLowerInvariant();
            Directory.CreateDirectory(Path.GetDirectoryName(problemFile)!);
            File.WriteAllText(problemFile, Problem.Text);
            problem = ProblemFiles.Load(problemFile, parameters, dataDirectory);
        }
        var config = Bind(problem);
        if (problemFile is not null) config = config with { ProblemFile = problemFile, ProblemDirectory = dataDirectory };
        // Data files named by the recipe resolve like the embedded problem's own: against the trial file's folder.
        if (config.Data.ReferenceFile is { } reference) config = config.WithData(it => it with { ReferenceFile = Path.GetFullPath(reference, dataDirectory) });
        if (config.Data.AlsoReferences.Count > 0)
            config = config.WithData(it => it with { AlsoReferences = it.AlsoReferences.Select(f => Path.GetFullPath(f, dataDirectory)).ToList() });
        if (config.Data.ObservationFile is { } observations) config = config.WithData(it => it with { ObservationFile = Path.GetFullPath(observations, dataDirectory) });
        return config;
    }

    /// <summary>The recipe over <paramref name="problem"/> (this trial's, created by the caller): the problem's defaults
    /// under the recipe's model preset, the recipe's keys over them, the trial's seed. Writes nothing.</summary>
    public TrainingRecipe Bind(Problem problem)
    {
        string? model = Recipe["model"] is JsonValue m && m.TryGetValue(out string? preset) && ModelPresets.Names.Contains(preset) ? preset : null;
        var defaults = Recipes.For(problem, model);
        var merged = JsonNode.Parse(defaults.ToJson())!.AsObject();
        Overlay(merged, Recipe, "recipe");
        TrainingRecipe config;
        try { config = RecipeBinder.Deserialize(merged); }
        catch (InvalidSettingException e) { throw new InvalidDataException($"recipe: {e.Message}"); }
        return config with { Seed = Seed, Parameters = new(problem.Parameters) };
    }

    /// <summary>The trial's problem without writing the embedded file anywhere (relative data paths resolve in <paramref name="dataDirectory"/>).</summary>
    public Problem CreateProblem(string dataDirectory) => Problem.Catalog is { } name
        ? ProblemCatalog.Create(name, Problem.Parameters ?? new())
        : ProblemFiles.Parse(Problem.Text!, Problem.FileName!, Problem.Parameters ?? new(), dataDirectory);

    /// <summary>Each key of <paramref name="overrides"/> replaces the one in <paramref name="target"/>; objects merge key by key, except maps of names (weights, term points).</summary>
    private static void Overlay(JsonObject target, JsonObject overrides, string path)
    {
        foreach (var (key, value) in overrides)
        {
            if (value is JsonObject inner && target[key] is JsonObject existing && key is not ("weights" or "term_points" or "learn"))
                Overlay(existing, inner, $"{path}.{key}");
            else
                target[key] = value?.DeepClone();
        }
    }
}
