using PinnServe.Contracts;
using PinnServe.Physics;

namespace PinnServe.Training;

/// <summary>A training run independent of its floating-point type, for the CLI and tools.</summary>
public interface ITrainer : IDisposable
{
    Problem Problem { get; }
    TrainingRecipe Config { get; }
    int Step { get; }
    /// <summary>Loss term names in order: residual terms first, then weighted terms.</summary>
    IReadOnlyList<string> TermNames { get; }
    /// <summary>Unweighted loss per term at the last step.</summary>
    IReadOnlyList<double> Losses { get; }
    /// <summary>Names of the weighted (non-residual) terms, matching <see cref="Weights"/>.</summary>
    IReadOnlyList<string> WeightedTerms { get; }
    IReadOnlyList<double> Weights { get; }
    double LearningRate { get; }
    int ParameterCount { get; }
    /// <summary>
    /// The phases and callbacks the recipe turned on (keep-best, causal weights, the L-BFGS phase), each with its metrics
    /// columns and its status (<see cref="TrainerStatuses.Status{T}"/>): one list, not a property per feature.
    /// </summary>
    IReadOnlyList<ITrainingFeature> Features { get; }
    /// <summary>Current values of learned PDE coefficients.</summary>
    IReadOnlyDictionary<string, double> LearnedCoefficients { get; }

    /// <summary>One optimization step: sample, forward, per-term backward, weight update, Adam.</summary>
    void TrainStep();

    /// <summary>Relative L² error per evaluated field on the evaluation set (null when there is no reference).</summary>
    double[]? RelativeL2();
    string[] EvaluatedFields { get; }
    /// <summary>Where the relative L²'s reference comes from (reference-file, problem-reference, exact, solver) and what it is (file name only); null without one.</summary>
    (string Origin, string Source)? Evaluation { get; }
    /// <summary>Relative L² of the problem's magnitude metrics (the cavity's velocity magnitude) at the last <see cref="RelativeL2"/>.</summary>
    IReadOnlyDictionary<string, double> MagnitudeErrors { get; }

    void SaveCheckpoint(string path);
    void LoadCheckpoint(string path);
    /// <summary>The state a resumed run continues from (<see cref="Checkpoint"/>).</summary>
    Checkpoint CaptureCheckpoint();
    /// <summary>Continues from a checkpoint already read and checked; refuses one that does not fit this run before changing anything.</summary>
    void LoadCheckpoint(Checkpoint checkpoint);
    NetworkFile ToNetworkFile(Dictionary<string, string>? metadata = null);
    /// <summary>Evaluates named fields (outputs, derivatives such as u_x, derived fields) at points (count × axes).</summary>
    double[][] EvaluateFields(IReadOnlyList<string> fields, double[] points);

    /// <summary>Floating-point operations per step (forward + backward over all terms, from the tape).</summary>
    long FlopsPerStep { get; }
    int Threads { get; }
}

/// <summary>The last held-out loss (at step <paramref name="Step"/>) and the lowest so far (at <paramref name="BestStep"/>), whose parameters the phase ends with.</summary>
public sealed record HeldOutLoss(int Step, double Loss, int BestStep, double BestLoss);

/// <summary>A loss became NaN or infinite; the run stops and keeps its last good checkpoint.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
