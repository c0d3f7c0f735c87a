namespace PinnServe.Physics.Files;

/// <summary>
/// The [training] keys of the methods in docs/methods.md: <c>weighting</c> (a scheme: fixed, annealing,
/// inverse-dirichlet, grad-norm, ntk), <c>ntk_points</c>, <c>rwf</c>, <c>rwf_mean</c>, <c>rwf_std</c>,
/// <c>fourier_features</c>, <c>fourier_scale</c>; checked here, where the file position is known.
/// </summary>
internal static class MethodKeys
{
    public static readonly string[] Names = ["weighting", "ntk_points", "rwf", "rwf_mean", "rwf_std", "fourier_features", "fourier_scale"];
    private static readonly string[] Schemes = ["fixed", "annealing", "inverse-dirichlet", "grad-norm", "ntk"];

    public static MethodDefaults? Read(DocTable t, MethodDefaults? defaults)
    {
        if (!Names.Any(t.Has)) return defaults;
        var d = defaults ?? new MethodDefaults();
        bool rwfTuned = t.Has("rwf_mean") || t.Has("rwf_std");
        bool rwf = t.Bool("rwf") ?? (rwfTuned || d.WeightFactorization);
        if (rwfTuned && t.Bool("rwf") == false)
            throw t.Where("rwf").Error($"'{t.Name("rwf")}' is false but rwf_mean/rwf_std are given");
        if (t.Has("fourier_scale") && !t.Has("fourier_features") && d.FourierFeatures is null)
            throw t.Where("fourier_scale").Error($"'{t.Name("fourier_scale")}' needs '{t.Name("fourier_features")}' (the number of features)");
        return new MethodDefaults(
            Weighting: t.String("weighting") is { } scheme
                ? Schemes.Contains(scheme) ? scheme : throw t.Where("weighting").Error($"'{t.Name("weighting")}' must be {string.Join(", ", Schemes)}, got '{scheme}'")
                : d.Weighting,
            NtkPoints: Count(t, "ntk_points", 1, 4096) ?? d.NtkPoints,
            WeightFactorization: rwf,
            RwfMean: Finite(t, "rwf_mean") ?? d.RwfMean,
            RwfStd: Positive(t, "rwf_std") ?? d.RwfStd,
            FourierFeatures: Count(t, "fourier_features", 1, 4096) ?? d.FourierFeatures,
            FourierScale: Positive(t, "fourier_scale") ?? d.FourierScale);
    }

    private static int? Count(DocTable t, string key, int min, int max) =>
        t.Integer(key) is not { } value ? null
        : value >= min && value <= max ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be {min}..{max:N0}, got {value}");

    private static double? Positive(DocTable t, string key) =>
        t.Number(key) is not { } value ? null
        : value > 0 && double.IsFinite(value) ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be a positive number, got {value}");

    private static double? Finite(DocTable t, string key) =>
        t.Number(key) is not { } value ? null
        : double.IsFinite(value) ? value
        : throw t.Where(key).Error($"'{t.Name(key)}' must be a finite number, got {value}");
}
