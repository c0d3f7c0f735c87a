namespace PinnServe.Training.Weighting;

/// <summary>What a weighting scheme's factory gets: the config, and the gradient parameter selection it names (with the scheme's default).</summary>
public sealed record WeightingContext(WeightingConfig Config, Func<string, ParameterSelection> Parameters);

/// <summary>
/// Weighting schemes by name: "fixed" (no estimator), "annealing", "inverse-dirichlet", "grad-norm", "ntk". A library user
/// adds one with <see cref="Register"/> (an <see cref="IWeightEstimator"/> factory) and selects it with
/// <c>--weighting NAME</c>; smoothing, interval and bias correction stay shared (<see cref="LossWeights"/>).
/// </summary>
public static class WeightingSchemes
{
    private static readonly Dictionary<string, Func<WeightingContext, IWeightEstimator?>> Factories = new()
    {
        ["fixed"] = _ => null,
        ["annealing"] = c => new AnnealingEstimator(c.Parameters("weights"), (c.Config.Aggregation ?? "layerwise") switch
        {
            "layerwise" => AnnealingAggregation.Layerwise,
            "flat" => AnnealingAggregation.Flat,
            "layer-ratio" => AnnealingAggregation.LayerRatio,
            var a => throw new ArgumentException($"Unknown aggregation '{a}' (expected layerwise, flat or layer-ratio)."),
        }),
        ["inverse-dirichlet"] = c => new InverseDirichletEstimator(c.Parameters("all")),
        ["ntk"] = c => new NtkEstimator(c.Parameters("all")),
        ["grad-norm"] = c => new GradNormEstimator(c.Parameters("all"), c.Config.P switch
        {
            "1" => 1,
            "2" => 2,
            "inf" or "∞" => double.PositiveInfinity,
            var p => throw new ArgumentException($"Grad-norm p must be 1, 2 or inf, got '{p}'."),
        }),
    };

    public static IReadOnlyCollection<string> Names { get { lock (Factories) return Factories.Keys.ToArray(); } }

    /// <param name="factory">Returns the estimator of λ̂, or null for weights that never change.</param>
    public static void Register(string name, Func<WeightingContext, IWeightEstimator?> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (Factories) Factories[name] = factory;
    }

    public static IWeightEstimator? Create(WeightingContext context)
    {
        Func<WeightingContext, IWeightEstimator?>? factory;
        lock (Factories) Factories.TryGetValue(context.Config.Scheme, out factory);
        return factory is null
            ? throw new ArgumentException($"Unknown weighting '{context.Config.Scheme}' (expected {string.Join(", ", Names.Order())}).")
            : factory(context);
    }
}
