using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Training.Reproduction;

/// <summary>
/// What a row of an experiment (or a sweep's value, or `--train-args`) changes about a problem's published setup: a
/// model preset, problem parameters, and settings by path (<c>weighting.beta = 0.9</c>) applied by
/// <see cref="RecipeBinder"/> over the preset. `pinn train`'s options are bound the same way, so a row and the
/// command line that says the same thing give the same recipe.
/// </summary>
public sealed record RecipeOverrides
{
    public static readonly RecipeOverrides None = new();

    /// <summary>A model preset (M1–M4, PINN, MA, ID, DN); null: the problem's own.</summary>
    public string? Model { get; init; }
    public IReadOnlyDictionary<string, double> Parameters { get; init; } = new Dictionary<string, double>();
    /// <summary>Settings by path, applied in order over the preset (a later one wins).</summary>
    public IReadOnlyList<SettingValue> Settings { get; init; } = [];
    /// <summary>`--hessian` without an interval: about ten evaluations over the Adam phase, whatever its length ends up.</summary>
    public bool HessianAtDefaultInterval { get; init; }

    /// <summary>These overrides, then <paramref name="later"/>'s over them: its model and settings win; parameters and
    /// name maps (weights, term points, learned coefficients) add entry by entry, as repeated flags do.</summary>
    public RecipeOverrides Then(RecipeOverrides later)
    {
        var parameters = new Dictionary<string, double>(Parameters);
        foreach (var (name, value) in later.Parameters) parameters[name] = value;
        var settings = new List<SettingValue>(Settings);
        foreach (var s in later.Settings)
        {
            int earlier = settings.FindLastIndex(e => e.Path == s.Path);
            if (earlier >= 0 && IsNameMap(s.Path) && settings[earlier].Value is JsonObject before && s.Value is JsonObject after)
            {
                var merged = (JsonObject)before.DeepClone();
                foreach (var (key, value) in after) merged[key] = value?.DeepClone();
                settings.Add(s with { Value = merged });
            }
            else settings.Add(s);
        }
        return new RecipeOverrides
        {
            Model = later.Model ?? Model, Parameters = parameters, Settings = settings,
            HessianAtDefaultInterval = HessianAtDefaultInterval || later.HessianAtDefaultInterval,
        };
    }

    private static bool IsNameMap(string path) =>
        RecipeBinder.TypeAt(path) is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Dictionary<,>);

    /// <summary>
    /// The recipe: the problem's published setup under the model preset, the settings over it, then the checks.
    /// Naming the architecture or the weighting scheme makes the model "custom" (it is no longer the preset).
    /// A bad value is an <see cref="InvalidSettingException"/> naming its path and, where known, its origin.
    /// </summary>
    public TrainingRecipe Bind(Problem problem)
    {
        var recipe = Recipes.For(problem, Model);
        recipe = RecipeBinder.Apply(recipe, Settings);
        try
        {
            if (recipe.Model != "custom" && Settings.Any(s => s.Path is "network.architecture" or "weighting.scheme"))
                recipe = recipe with { Model = "custom" };
            if (HessianAtDefaultInterval && !Settings.Any(s => s.Path == "logging.diagnostics.hessian_every"))
                recipe = recipe.WithLogging(l => l with
                {
                    Diagnostics = (l.Diagnostics ?? new DiagnosticsConfig()) with { HessianEvery = DiagnosticsConfig.DefaultHessianInterval(recipe.Adam.Iterations) },
                });
            // Diagnostics that record nothing are no diagnostics (config.json leaves them out), once their values are checked.
            recipe.Logging.Diagnostics?.Validate();
            if (recipe.Logging.Diagnostics is { Any: false }) recipe = recipe.WithLogging(l => l with { Diagnostics = null });
            recipe.Validate();
            recipe.ValidateFor(problem);
            return recipe;
        }
        catch (InvalidSettingException e) when (e.Origin is null && Settings.LastOrDefault(s => s.Path == e.Setting)?.Origin is { } origin)
        {
            throw new InvalidSettingException(e.Setting, e.Problem, origin);
        }
    }

    /// <summary>A stable JSON form (model, parameters, settings by path) that two equal overrides share.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (Model is not null) o["model"] = Model;
        if (Parameters.Count > 0)
            o["parameters"] = new JsonObject(Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        if (Settings.Count > 0)
        {
            var settings = new JsonObject();
            foreach (var s in Settings) { settings.Remove(s.Path); settings[s.Path] = s.Value?.DeepClone(); }
            o["settings"] = settings;
        }
        if (HessianAtDefaultInterval) o["hessian"] = true;
        return o;
    }
}
