using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Physics.Files;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Executors;

/// <summary>
/// The trial file of one row and seed of an experiment (format pinnserve-trial, version 1): the problem (a catalog
/// name, or the problem file's text embedded so no node needs the original file), the recipe as the row's
/// `pinn train` arguments with the result-changing extra ones, the seed and the run directory.
/// </summary>
internal static class TrialFiles
{
    public static JsonObject Create(Experiment experiment, ExperimentRow row, IReadOnlyList<string> extra, ulong seed, string runDirectory)
    {
        string problem = row.Arguments[0];
        JsonObject problemNode;
        if (ProblemDocument.IsProblemFile(problem))
        {
            string text;
            try { text = File.ReadAllText(problem); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException($"problem file '{problem}': {e.Message}"); }
            problemNode = new JsonObject { ["file_name"] = Path.GetFileName(problem), ["text"] = text };
        }
        else problemNode = new JsonObject { ["catalog"] = problem };
        var arguments = Reproducer.Merge(row.Arguments.Skip(1).ToList(), Reproducer.SetupChanging(extra));
        return new JsonObject
        {
            ["format"] = RunRoot.TrialFormat, ["version"] = RunRoot.TrialVersion,
            ["name"] = $"{experiment.Id}/{row.Label}/seed-{seed.ToString(CultureInfo.InvariantCulture)}",
            ["problem"] = problemNode,
            ["recipe"] = new JsonObject { ["train_arguments"] = new JsonArray(arguments.Select(a => (JsonNode)a).ToArray()) },
            ["seed"] = seed,
            ["run_dir"] = runDirectory,
        };
    }
}
