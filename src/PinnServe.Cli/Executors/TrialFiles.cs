using System.Text.Json.Nodes;
using PinnServe.Training.Reproduction;

namespace PinnServe.Cli.Executors;

/// <summary>
/// The trial file (format pinnserve-trial) of one row and seed of a table or sweep, as a cluster node receives it:
/// the very trial that `pinn reproduce`/`pinn sweep` run here (<see cref="ExperimentTrials"/>).
/// </summary>
internal static class TrialFiles
{
    public static JsonObject Create(Experiment experiment, ExperimentRow row, IReadOnlyList<string> extra, ulong seed, string runDirectory)
    {
        var changing = Reproducer.SetupChanging(extra);
        try
        {
            var overrides = changing.Count == 0 ? RecipeOverrides.None : TrainOptions.ParseOverrides(changing);
            return JsonNode.Parse(ExperimentTrials.Trial(experiment, row, overrides, seed, runDirectory).ToJson())!.AsObject();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UsageException)
        {
            throw new UsageException($"row '{row.Label}': {e.Message}");
        }
    }
}
