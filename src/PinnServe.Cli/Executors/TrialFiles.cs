using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Physics.Files;
using PinnServe.Training;
using PinnServe.Training.Reproduction;
using PinnServe.Training.Trials;

namespace PinnServe.Cli.Executors;

/// <summary>
/// The trial file (<see cref="TrialFile"/>, format pinnserve-trial) of one row and seed of an experiment whose rows are
/// `pinn train` arguments: the arguments are bound exactly as `pinn train` binds them, and the resulting config,
/// less what belongs to the trial itself (problem, parameters, seed), is the recipe. `pinn run-trial` therefore
/// trains the very config the local executor's `pinn train` would.
/// </summary>
internal static class TrialFiles
{
    // Keys of config.json that a trial file carries outside its recipe (TrialFile refuses them in the recipe).
    private static readonly string[] TrialOwned = ["problem", "problem_file", "problem_directory", "parameters", "seed", "version"];

    public static JsonObject Create(Experiment experiment, ExperimentRow row, IReadOnlyList<string> extra, ulong seed, string runDirectory)
    {
        var arguments = Reproducer.Merge(row.Arguments, Reproducer.SetupChanging(extra));
        string seedText = seed.ToString(CultureInfo.InvariantCulture);
        var options = new TrainOptions();
        var command = new Command("train");
        options.AddTo(command);
        var parse = command.Parse([.. arguments, "--seed", seedText]);
        if (parse.Errors.Count > 0) throw new UsageException($"row '{row.Label}': {parse.Errors[0].Message}");
        TrainingRecipe config;
        try { config = options.Build(parse); }
        catch (ArgumentException e) { throw new UsageException($"row '{row.Label}': {e.Message}"); }
        var recipe = JsonNode.Parse(config.ToJson())!.AsObject();
        foreach (string key in TrialOwned) recipe.Remove(key);
        // Data files named relative to where the sweep runs: absolute, as the nodes see the same paths.
        if (recipe["data"] is JsonObject data)
            foreach (string key in new[] { "reference_file", "observation_file" })
                if (data[key] is JsonValue v && v.TryGetValue(out string? file)) data[key] = Path.GetFullPath(file);
        string problem = arguments[0];
        var parameters = config.Parameters;
        TrialProblem trialProblem;
        try
        {
            trialProblem = ProblemDocument.IsProblemFile(problem) ? TrialProblem.FromFile(problem, parameters) : TrialProblem.FromCatalog(problem, parameters);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"problem file '{problem}': {e.Message}"); }
        var trial = new TrialFile
        {
            Name = $"{experiment.Id}/{row.Label}/seed-{seedText}", Problem = trialProblem, Recipe = recipe, Seed = seed, RunDir = runDirectory,
        };
        return JsonNode.Parse(trial.ToJson())!.AsObject();
    }
}
