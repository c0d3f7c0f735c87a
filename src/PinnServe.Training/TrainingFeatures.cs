using System.Globalization;
using System.Text.Json.Nodes;

namespace PinnServe.Training;

/// <summary>
/// What a phase or callback of a training (keep-best, causal weights, the L-BFGS phase) reports: a typed status for C#
/// callers, written to summary.json by the run without the run knowing the feature.
/// </summary>
public abstract record TrainerStatus
{
    /// <summary>The entries this status adds to summary.json.</summary>
    public abstract IEnumerable<KeyValuePair<string, JsonNode?>> SummaryEntries();
}

/// <summary>A phase's keep-best (<see cref="AdamRecipe.KeepBest"/>, <see cref="LbfgsRecipe.KeepBest"/>): held-out losses every <paramref name="Every"/> steps.</summary>
public sealed record KeepBestStatus(string Phase, int Every, HeldOutLoss HeldOut) : TrainerStatus
{
    public override IEnumerable<KeyValuePair<string, JsonNode?>> SummaryEntries() =>
    [
        new($"{Phase}_keep_best", new JsonObject
        {
            ["every"] = Every, ["best_step"] = HeldOut.BestStep, ["best_heldout_loss"] = HeldOut.BestLoss, ["last_heldout_loss"] = HeldOut.Loss,
        }),
    ];
}

/// <summary>The L-BFGS phase stalled at <paramref name="Step"/>: no decrease even along steepest descent.</summary>
public sealed record LbfgsStallStatus(int Step) : TrainerStatus
{
    public override IEnumerable<KeyValuePair<string, JsonNode?>> SummaryEntries() => [new("lbfgs_stalled_at", Step)];
}

/// <summary>Causal training: the smallest chunk weight (1: every chunk resolved) and the residual loss without the weights.</summary>
public sealed record CausalStatus(double MinWeight, double UnweightedResidualLoss) : TrainerStatus
{
    public override IEnumerable<KeyValuePair<string, JsonNode?>> SummaryEntries() =>
    [
        new("causal_min_weight", MinWeight),
        new("causal_unweighted_residual_loss", double.IsFinite(UnweightedResidualLoss) ? UnweightedResidualLoss : null),
    ];
}

/// <summary>
/// A phase or callback as the run directory sees it: its metrics.csv columns (fixed when the run starts) and its status
/// (null until it has one). The trainer lists its features; the run writes them without a line per feature.
/// </summary>
public interface ITrainingFeature
{
    IReadOnlyList<string> MetricColumns { get; }
    /// <summary>The values of <see cref="MetricColumns"/> at a logged step (empty where nothing was measured then).</summary>
    IEnumerable<string> MetricValues(int step);
    TrainerStatus? Status { get; }
}

/// <summary>The features a recipe turns on, in the order of their metrics columns.</summary>
public static class TrainingFeatures
{
    public static IReadOnlyList<ITrainingFeature> For(TrainingRecipe recipe, Func<HeldOutLoss?> lbfgsHeldOut, Func<HeldOutLoss?> adamHeldOut,
        Func<CausalStatus?> causal, Func<int?> lbfgsStalledAt)
    {
        var features = new List<ITrainingFeature>();
        if (recipe.Lbfgs.KeepBest > 0) features.Add(new KeepBest("lbfgs", recipe.Lbfgs.KeepBest, "heldout_loss", lbfgsHeldOut));
        if (recipe.Adam.KeepBest > 0) features.Add(new KeepBest("adam", recipe.Adam.KeepBest, "adam_heldout_loss", adamHeldOut));
        if (recipe.Causal.Chunks > 0) features.Add(new Causal(causal));
        if (recipe.Lbfgs.Iterations > 0) features.Add(new LbfgsStall(lbfgsStalledAt));
        return features;
    }

    private static string G6(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private sealed class KeepBest(string phase, int every, string column, Func<HeldOutLoss?> read) : ITrainingFeature
    {
        public IReadOnlyList<string> MetricColumns { get; } = [column];
        public IEnumerable<string> MetricValues(int step) => [read() is { } h && h.Step == step ? G6(h.Loss) : ""];
        public TrainerStatus? Status => read() is { } h ? new KeepBestStatus(phase, every, h) : null;
    }

    private sealed class Causal(Func<CausalStatus?> read) : ITrainingFeature
    {
        public IReadOnlyList<string> MetricColumns { get; } = ["causal_min_weight", "causal_unweighted_residual_loss"];
        public IEnumerable<string> MetricValues(int step) => read() is { } c ? [G6(c.MinWeight), G6(c.UnweightedResidualLoss)] : [G6(1), G6(0)];
        public TrainerStatus? Status => read();
    }

    private sealed class LbfgsStall(Func<int?> read) : ITrainingFeature
    {
        public IReadOnlyList<string> MetricColumns => [];
        public IEnumerable<string> MetricValues(int step) => [];
        public TrainerStatus? Status => read() is { } step ? new LbfgsStallStatus(step) : null;
    }
}

/// <summary>Typed look-ups of a trainer's statuses.</summary>
public static class TrainerStatuses
{
    /// <summary>The statuses of the trainer's features that have one.</summary>
    public static IEnumerable<TrainerStatus> Statuses(this ITrainer trainer) => trainer.Features.Select(f => f.Status).OfType<TrainerStatus>();

    public static T? Status<T>(this ITrainer trainer) where T : TrainerStatus => trainer.Statuses().OfType<T>().FirstOrDefault();

    /// <summary>The held-out loss of a phase's keep-best ("adam" or "lbfgs"), null until first measured.</summary>
    public static HeldOutLoss? HeldOut(this ITrainer trainer, string phase) =>
        trainer.Statuses().OfType<KeepBestStatus>().FirstOrDefault(s => s.Phase == phase)?.HeldOut;
}
