using PinnServe.Physics;

namespace PinnServe.Training;

/// <summary>The recipe's checks that need the training library: registered names, the problem.</summary>
public static class RecipeChecks
{
    /// <summary>
    /// Checks every value and names the first bad one by its setting path (<c>adam.learning_rate</c>,
    /// <see cref="InvalidSettingException"/>); the command line and the problem-file reader say where it came from.
    /// </summary>
    public static void Validate(this TrainingRecipe r)
    {
        r.ValidateValues();
        var v = new Names();
        v.OneOf("network.architecture", r.Network.Architecture, Nn.Architectures.Names.Order());
        v.OneOf("weighting.scheme", r.Weighting.Scheme, Weighting.WeightingSchemes.Names.Order());
        r.Logging.Diagnostics?.Validate();
    }

    /// <summary>The checks that need the problem: the evaluation grid's size in its dimension.</summary>
    public static void ValidateFor(this TrainingRecipe r, Problem problem) => r.ValidateForDimension(problem.Domain.Dimension);

    /// <summary>The problem this recipe trains: the problem file's, or the catalog's by name.</summary>
    public static Problem CreateProblem(this TrainingRecipe r) => r.ProblemFile is { } file
        ? Physics.Files.ProblemFiles.Load(file, r.Parameters, r.ProblemDirectory)
        : ProblemCatalog.Create(r.Problem, r.Parameters);

    private readonly struct Names
    {
        public void OneOf(string path, string value, IEnumerable<string> allowed)
        {
            var list = allowed.ToList();
            if (!list.Contains(value)) throw new InvalidSettingException(path, $"must be {string.Join(", ", list.SkipLast(1))}{(list.Count > 1 ? " or " : "")}{list[^1]}, got '{value}'");
        }
    }
}

/// <summary>A problem's published setup (<see cref="Problem.Defaults"/>, already a recipe) with a model preset applied.</summary>
public static class Recipes
{
    /// <summary>The problem's published setup with a model preset applied (M1–M4, PINN, MA, ID, DN); null: the problem's own model.</summary>
    public static TrainingRecipe For(Problem problem, string? model = null)
    {
        var d = problem.Defaults;
        var recipe = d with { Problem = problem.Name, Parameters = new Dictionary<string, double>(problem.Parameters) };
        var preset = ModelPresets.Apply(recipe, model ?? d.Model);
        if (model is not null) return preset;   // a model named explicitly keeps its own architecture and weighting
        // What the problem's description sets explicitly (a file's `weighting = "fixed"`, `beta = 0.99`) wins over its own
        // model's preset; the recipe is then no longer the preset ("custom").
        var overPreset = problem.ExplicitDefaults.Where(s => s.Path == "network.architecture" || s.Path.StartsWith("weighting.", StringComparison.Ordinal)).ToList();
        if (overPreset.Count > 0)
        {
            var explicitly = RecipeBinder.Apply(preset, overPreset, partial: true);
            if (explicitly.ToJson() != preset.ToJson())
                preset = explicitly with { Model = "custom" };
        }
        // A problem written in C# states no explicit settings: its own non-default scheme wins over its model's.
        else if (d.Weighting.Scheme != new WeightingConfig().Scheme && d.Weighting.Scheme != preset.Weighting.Scheme)
            preset = preset with { Model = "custom", Weighting = preset.Weighting with { Scheme = d.Weighting.Scheme } };
        return preset;
    }
}

/// <summary>The papers' model names as presets of architecture + weighting.</summary>
public static class ModelPresets
{
    public static readonly string[] Names = TrainingRecipe.Models;

    public static TrainingRecipe Apply(TrainingRecipe c, string model)
    {
        var w = c.Weighting;
        const string mlp = PinnServe.Contracts.NetworkFile.MlpArchitecture, modified = PinnServe.Contracts.NetworkFile.ModifiedMlpArchitecture;
        return model.ToUpperInvariant() switch
        {
            // Wang et al. 2021, Table 2: M1 plain, M2 annealing, M3 modified MLP, M4 both (τ = 10, α = 0.1).
            "M1" => Preset(c, "M1", mlp, w with { Scheme = "fixed" }),
            "M2" => Preset(c, "M2", mlp, w with { Scheme = "annealing", Beta = 0.9 }),
            "M3" => Preset(c, "M3", modified, w with { Scheme = "fixed" }),
            "M4" => Preset(c, "M4", modified, w with { Scheme = "annealing", Beta = 0.9 }),
            // Deguchi & Asai 2023: plain PINN, max/avg (flat statistics over weights and biases), inverse Dirichlet, grad-norm.
            "PINN" => Preset(c, "PINN", mlp, w with { Scheme = "fixed" }),
            "MA" => Preset(c, "MA", mlp, w with { Scheme = "annealing", Aggregation = "flat", GradientParameters = "all" }),
            "ID" => Preset(c, "ID", mlp, w with { Scheme = "inverse-dirichlet" }),
            "DN" => Preset(c, "DN", mlp, w with { Scheme = "grad-norm", P = "2" }),
            _ => throw new ArgumentException($"Unknown model '{model}' (expected {string.Join(", ", Names)})."),
        };
    }

    private static TrainingRecipe Preset(TrainingRecipe c, string model, string architecture, WeightingConfig weighting) =>
        c with { Model = model, Network = c.Network with { Architecture = architecture }, Weighting = weighting };
}
