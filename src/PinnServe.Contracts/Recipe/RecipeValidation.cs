namespace PinnServe.Training;

/// <summary>
/// The range checks of a recipe, each naming the setting's path (<c>adam.learning_rate</c>). Names that registries
/// own (architectures, weighting schemes, devices) are checked where the registries live (PinnServe.Training).
/// </summary>
public static class RecipeValidation
{
    /// <summary>Checks every value and names the first bad one by its setting path; <paramref name="acrossSettings"/>: also the rules that tie settings together.</summary>
    public static void ValidateValues(this TrainingRecipe r, bool acrossSettings = true)
    {
        var v = new SettingChecks();
        var (adam, lbfgs, sampling, data, logging) = (r.Adam, r.Lbfgs, r.Sampling, r.Data, r.Logging);
        v.NonNegative("adam.iterations", adam.Iterations);
        v.NonNegative("lbfgs.iterations", lbfgs.Iterations);
        v.NonNegative("lbfgs.resample", lbfgs.Resample);
        v.NonNegative("lbfgs.restart", lbfgs.Restart);
        v.NonNegative("adam.keep_best", adam.KeepBest);
        v.NonNegative("lbfgs.keep_best", lbfgs.KeepBest);
        if (acrossSettings && lbfgs.KeepBest > 0 && lbfgs.Iterations == 0)
            throw new InvalidSettingException("lbfgs.keep_best", $"needs an L-BFGS phase (lbfgs.iterations > 0), got keep-best every {lbfgs.KeepBest} with none");
        v.Points("lbfgs.points", lbfgs.Points, allowZero: true);
        v.Positive("lbfgs.weight_scale", lbfgs.WeightScale);
        v.Points("sampling.batch", sampling.Batch, allowZero: false);
        if (r.Causal.Chunks < 0 || r.Causal.Chunks == 1 || r.Causal.Chunks > TrainingRecipe.MaxCausalChunks)
            throw new InvalidSettingException("causal.chunks", $"must be 0 (off) or 2..{TrainingRecipe.MaxCausalChunks:N0}, got {r.Causal.Chunks}");
        v.Positive("causal.tolerance", r.Causal.Tolerance);
        v.Positive("adam.learning_rate", adam.LearningRate);
        if (!(adam.DecayRate > 0 && adam.DecayRate <= 1)) throw new InvalidSettingException("adam.decay_rate", $"must be in (0, 1], got {adam.DecayRate}");
        if (adam.DecaySteps < 1) throw new InvalidSettingException("adam.decay_steps", $"must be ≥ 1, got {adam.DecaySteps}");
        v.NonNegative("adam.warmup_steps", adam.WarmupSteps);
        if (r.Network.PeriodicInputs.Distinct().Count() != r.Network.PeriodicInputs.Length)
            throw new InvalidSettingException("network.periodic_inputs", $"lists an input twice: {string.Join(",", r.Network.PeriodicInputs)}");
        if (r.Network.Rwf is { } rwf)
        {
            if (!double.IsFinite(rwf.Mean)) throw new InvalidSettingException("network.rwf.mean", $"must be a finite number, got {rwf.Mean}");
            v.Positive("network.rwf.std", rwf.Std);
        }
        if (r.Network.FourierFeatures is { } rff)
        {
            if (rff.Count < 1 || rff.Count > FourierFeaturesRecipe.MaxCount)
                throw new InvalidSettingException("network.fourier_features.count", $"must be 1..{FourierFeaturesRecipe.MaxCount:N0} (the number of features; a scale alone is not enough), got {rff.Count}");
            v.Positive("network.fourier_features.scale", rff.Scale);
            if (r.Network.PeriodicInputs.Length > 0)
                throw new InvalidSettingException("network.fourier_features", "cannot be combined with periodic inputs (network.periodic_inputs)");
        }
        try { PinnServe.Contracts.NetworkShape.Parse(r.Network.Layers); }
        catch (FormatException e) { throw new InvalidSettingException("network.layers", e.Message.TrimEnd('.')); }
        if (!TrainingRecipe.Models.Contains(r.Model) && r.Model != "custom")
            throw new InvalidSettingException("model", $"must be {string.Join(", ", TrainingRecipe.Models)} or custom, got '{r.Model}'");
        var w = r.Weighting;
        // Checked whatever the scheme: a value the scheme does not use is still a typo the user should hear about.
        v.OneOf("weighting.p", w.P, ["1", "2", "inf", "∞"]);
        if (w.Aggregation is { } aggregation) v.OneOf("weighting.aggregation", aggregation, ["layerwise", "flat", "layer-ratio"]);
        if (w.GradientParameters is { } parameters) v.OneOf("weighting.gradient_parameters", parameters, ["weights", "all"]);
        if (w.NtkPoints < 1 || w.NtkPoints > WeightingConfig.MaxNtkPoints)
            throw new InvalidSettingException("weighting.ntk_points", $"must be 1..{WeightingConfig.MaxNtkPoints:N0}, got {w.NtkPoints}");
        if (w.Interval < 1) throw new InvalidSettingException("weighting.interval", $"must be ≥ 1, got {w.Interval}");
        if (!(w.Beta >= 0 && w.Beta < 1)) throw new InvalidSettingException("weighting.beta", $"must be in [0, 1), got {w.Beta}");
        foreach (var (term, weight) in w.Weights)
            if (!(weight >= 0) || !double.IsFinite(weight)) throw new InvalidSettingException($"weighting.weights.{term}", $"must be a finite number ≥ 0, got {weight}");
        if (acrossSettings && sampling.FullBatch && (sampling.ResidualPoints < 1 || sampling.ConditionPoints < 1))
            throw new InvalidSettingException("sampling.full_batch", "needs sampling.residual_points and sampling.condition_points");
        v.Points("sampling.residual_points", sampling.ResidualPoints, allowZero: true);
        v.Points("sampling.condition_points", sampling.ConditionPoints, allowZero: true);
        v.Points("sampling.residual_batch", sampling.ResidualBatch, allowZero: true);
        if (sampling.SlicePoints < 1 || sampling.SlicePoints > TrainingRecipe.MaxPointsPerTerm)
            throw new InvalidSettingException("sampling.slice_points", $"must be 1..{TrainingRecipe.MaxPointsPerTerm:N0}, got {sampling.SlicePoints}");
        foreach (var (term, points) in sampling.TermPoints)
            if (points < 1 || points > TrainingRecipe.MaxPointsPerTerm) throw new InvalidSettingException($"sampling.term_points.{term}", $"must be 1..{TrainingRecipe.MaxPointsPerTerm:N0}, got {points}");
        if (string.IsNullOrWhiteSpace(r.Device.Name)) throw new InvalidSettingException("device.name", "must name a backend (e.g. cpu)");
        v.Points("data.observations", data.Observations, allowZero: true);
        if (!(data.Noise >= 0) || !double.IsFinite(data.Noise)) throw new InvalidSettingException("data.noise", $"must be a finite number ≥ 0, got {data.Noise}");
        if (acrossSettings && data.Noise > 0 && data.Observations == 0 && data.ObservationFile is null) throw new InvalidSettingException("data.noise", $"{data.Noise} needs data.observations or data.observation_file");
        foreach (var (name, guess) in data.Learn)
            if (guess == 0 || !double.IsFinite(guess)) throw new InvalidSettingException($"data.learn.{name}", $"the initial guess must be finite and non-zero (it sets the coefficient's scale), got {guess}");
        foreach (var (path, every) in new[] { ("logging.log_every", logging.LogEvery), ("logging.eval_every", logging.EvaluateEvery), ("logging.checkpoint_every", logging.CheckpointEvery) })
            if (every < 1) throw new InvalidSettingException(path, $"must be ≥ 1, got {every}");
        if (logging.EvaluationGrid < 1) throw new InvalidSettingException("logging.eval_grid", $"must be ≥ 1, got {logging.EvaluationGrid}");
    }
}

/// <summary>The checks that need the problem's dimension.</summary>
public static class DimensionChecks
{
    /// <summary>The evaluation grid's size in the problem's dimension: eval_grid to that power must fit in memory.</summary>
    public static void ValidateForDimension(this TrainingRecipe r, int dimension)
    {
        double points = Math.Pow(r.Logging.EvaluationGrid, dimension);
        if (points > TrainingRecipe.MaxEvaluationPoints)
            throw new InvalidSettingException("logging.eval_grid",
                $"{r.Logging.EvaluationGrid} per axis in {dimension} dimensions is {points:G3} points, over the limit of {TrainingRecipe.MaxEvaluationPoints:N0} (the grid would not fit in memory)");
    }
}

/// <summary>
/// A training setting out of range, named by its path in the recipe (<c>adam.learning_rate</c>). Front ends add where it
/// came from: the command line names its flag, a problem file its line and column.
/// </summary>
public sealed class InvalidSettingException(string setting, string problem, string? origin = null)
    : ArgumentException(origin is null ? $"{setting} {problem}." : $"{origin}: {setting} {problem}.")
{
    /// <summary>The setting's path, e.g. <c>weighting.weights.ic</c>.</summary>
    public string Setting { get; } = setting;
    /// <summary>What is wrong, without the setting's name: "must be positive, got -1".</summary>
    public string Problem { get; } = problem;
    /// <summary>Where the value came from (a flag, file:line:column), when the front end said.</summary>
    public string? Origin { get; } = origin;
}

/// <summary>The range checks settings share, each naming the setting's path.</summary>
internal readonly struct SettingChecks
{
    public void NonNegative(string path, int value)
    {
        if (value < 0) throw new InvalidSettingException(path, $"must be ≥ 0, got {value}");
    }

    public void Positive(string path, double value)
    {
        if (!(value > 0) || !double.IsFinite(value)) throw new InvalidSettingException(path, $"must be a positive number, got {value}");
    }

    public void Points(string path, int value, bool allowZero)
    {
        int min = allowZero ? 0 : 1;
        if (value < min || value > TrainingRecipe.MaxPointsPerTerm)
            throw new InvalidSettingException(path, $"must be {min}..{TrainingRecipe.MaxPointsPerTerm:N0} points, got {value}" +
                (value > TrainingRecipe.MaxPointsPerTerm ? " (the tapes would not fit in memory)" : ""));
    }

    public void OneOf(string path, string value, IEnumerable<string> allowed)
    {
        var list = allowed.ToList();
        if (!list.Contains(value)) throw new InvalidSettingException(path, $"must be {string.Join(", ", list.SkipLast(1))}{(list.Count > 1 ? " or " : "")}{list[^1]}, got '{value}'");
    }
}
