using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PinnServe.Training;

/// <summary>
/// config.json and the recipe inside trial files: snake_case groups, enums as the lowercase names users type
/// (float64, max-order, residual), a version. Files written before the recipe (flat, no version) are read through
/// <see cref="LegacyFlatNames"/>, so every old run directory still resumes and evaluates.
/// </summary>
public static class RecipeJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    public static string Write(TrainingRecipe recipe) => JsonSerializer.Serialize(recipe, Options);

    /// <summary>The recipe as a JSON tree (the binder edits it by setting path).</summary>
    public static JsonObject ToNode(TrainingRecipe recipe) => (JsonObject)JsonSerializer.SerializeToNode(recipe, Options)!;

    /// <summary>
    /// Reads config.json (or a trial's recipe): grouped with a version, or the flat layout written before the recipe.
    /// A bad value is an <see cref="InvalidSettingException"/> naming its path; the caller names the file.
    /// </summary>
    public static TrainingRecipe Read(string json, string source)
    {
        // Malformed JSON stays a JsonException: the reader of a run directory names the file and says so.
        if (JsonNode.Parse(json) is not JsonObject root) throw new JsonException("a recipe is a JSON object");
        return Read(root, source);
    }

    public static TrainingRecipe Read(JsonObject root, string source)
    {
        if (!root.ContainsKey("version")) root = FromFlat(root, source);
        else if (root["version"] is not JsonValue v || !v.TryGetValue(out int version) || version != TrainingRecipe.CurrentVersion)
            throw new InvalidDataException($"{source}: recipe version {root["version"]?.ToJsonString()} is not supported (this build reads version {TrainingRecipe.CurrentVersion} and the flat config.json before it); a newer PinnServe wrote it.");
        return RecipeBinder.Deserialize(root);
    }

    /// <summary>The flat config.json (before version 2) regrouped: each old key moves to its setting path.</summary>
    public static JsonObject FromFlat(JsonObject flat, string source)
    {
        var grouped = new JsonObject { ["version"] = TrainingRecipe.CurrentVersion };
        foreach (var (key, value) in flat)
        {
            if (!LegacyFlatNames.TryGetValue(key, out var path))
                throw new InvalidDataException($"{source}: unknown setting '{key}' in a config.json without a version (the flat layout before the grouped recipe).");
            RecipeBinder.SetAt(grouped, path, value?.DeepClone());
        }
        return grouped;
    }

    /// <summary>Keys of the flat config.json (and of a problem file's flat <c>[training]</c>) and the setting paths they now have.</summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyFlatNames = new Dictionary<string, string>
    {
        ["problem"] = "problem", ["problem_file"] = "problem_file", ["problem_directory"] = "problem_directory",
        ["parameters"] = "parameters", ["model"] = "model", ["seed"] = "seed",
        ["layers"] = "network.layers", ["architecture"] = "network.architecture", ["activation"] = "network.activation",
        ["periodic_inputs"] = "network.periodic_inputs",
        ["weighting"] = "weighting",
        ["iterations"] = "adam.iterations", ["learning_rate"] = "adam.learning_rate", ["decay_rate"] = "adam.decay_rate",
        ["decay_steps"] = "adam.decay_steps", ["warmup_steps"] = "adam.warmup_steps", ["adam_keep_best"] = "adam.keep_best",
        ["lbfgs_iterations"] = "lbfgs.iterations", ["lbfgs_points"] = "lbfgs.points", ["lbfgs_resample"] = "lbfgs.resample",
        ["lbfgs_restart"] = "lbfgs.restart", ["lbfgs_sampling"] = "lbfgs.sampling", ["lbfgs_weight_scale"] = "lbfgs.weight_scale",
        ["lbfgs_keep_best"] = "lbfgs.keep_best",
        ["causal_chunks"] = "causal.chunks", ["causal_tolerance"] = "causal.tolerance",
        ["batch"] = "sampling.batch", ["full_batch"] = "sampling.full_batch", ["residual_points"] = "sampling.residual_points",
        ["condition_points"] = "sampling.condition_points", ["residual_batch"] = "sampling.residual_batch",
        ["term_points"] = "sampling.term_points", ["normalization"] = "sampling.normalization", ["slice_points"] = "sampling.slice_points",
        ["face_reduction"] = "sampling.face_reduction",
        ["device"] = "device.name", ["precision"] = "device.precision",
        ["log_every"] = "logging.log_every", ["evaluate_every"] = "logging.eval_every", ["checkpoint_every"] = "logging.checkpoint_every",
        ["evaluation_grid"] = "logging.eval_grid", ["diagnostics"] = "logging.diagnostics",
        ["reference_file"] = "data.reference_file", ["also_references"] = "data.also_references", ["learn"] = "data.learn", ["observations"] = "data.observations",
        ["noise"] = "data.noise", ["observation_file"] = "data.observation_file",
    };
}
