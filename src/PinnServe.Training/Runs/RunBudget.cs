namespace PinnServe.Training.Runs;

/// <summary>
/// Extending a run (<c>pinn train --resume DIR --iters N</c>, <c>--lbfgs N</c>): larger budgets of Adam steps and
/// L-BFGS iterations than config.json records. The extended run continues exactly as a run started with the larger
/// budget would have, because nothing in the training depends on the budget except where a phase ends:
/// the learning-rate schedules (constant; exponential decay η₀·r^(step/steps)) depend on the step only, and so do the
/// weight updates, causal weights, sampling and checkpoints. Where a phase has already ended it is not the same:
/// keep-best returned the network to its best parameters at the phase's last step, so extending a phase that ended
/// with keep-best continues from those (a note says so).
/// <see cref="CheckpointEvery"/> (<c>--checkpoint-every</c>) may change too: how often the continued run writes a
/// checkpoint changes no number of the training, only how much a crash can lose.
/// </summary>
public sealed record RunBudget(int? Iterations, int? LbfgsIterations, int? CheckpointEvery = null)
{
    /// <summary>The recorded config with the larger budgets, or an <see cref="ArgumentException"/> naming the option that cannot apply.</summary>
    public TrainingRecipe ApplyTo(TrainingRecipe recorded, int step, Action<string>? notes = null)
    {
        var config = recorded;
        if (Iterations is { } iterations && iterations != recorded.Adam.Iterations)
        {
            if (iterations < recorded.Adam.Iterations)
                throw new ArgumentException($"--iters {iterations} is below the run's budget of {recorded.Adam.Iterations} Adam steps: a resumed run can only be extended.");
            if (recorded.Lbfgs.Iterations > 0 && step > recorded.Adam.Iterations)
                throw new ArgumentException($"--iters {iterations}: the run is past its Adam phase (step {step}, Adam ended at {recorded.Adam.Iterations}, then L-BFGS), so that phase cannot grow; extend the L-BFGS phase with --lbfgs instead.");
            if (recorded.Adam.KeepBest > 0 && step >= recorded.Adam.Iterations)
                notes?.Invoke($"the Adam phase ended at step {recorded.Adam.Iterations} on its kept-best parameters (--adam-keep-best); the extended run continues from those, so it is not the run a budget of {iterations} steps from the start would give.");
            config = config.WithAdam(it => it with { Iterations = iterations });
        }
        if (LbfgsIterations is { } lbfgs && lbfgs != recorded.Lbfgs.Iterations)
        {
            if (lbfgs < recorded.Lbfgs.Iterations)
                throw new ArgumentException($"--lbfgs {lbfgs} is below the run's budget of {recorded.Lbfgs.Iterations} L-BFGS iterations: a resumed run can only be extended.");
            if (recorded.Lbfgs.KeepBest > 0 && step >= recorded.TotalIterations && recorded.Lbfgs.Iterations > 0)
                notes?.Invoke($"the L-BFGS phase ended at step {recorded.TotalIterations} on its kept-best parameters (--lbfgs-keep-best); the extended run continues from those, so it is not the run a budget of {lbfgs} iterations from the start would give.");
            config = config.WithLbfgs(it => it with { Iterations = lbfgs });
        }
        if (CheckpointEvery is { } every && every != recorded.Logging.CheckpointEvery)
            config = config.WithLogging(it => it with { CheckpointEvery = every });
        config.Validate();
        return config;
    }
}
