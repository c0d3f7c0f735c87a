using System.CommandLine;
using PinnServe.Nn;
using PinnServe.Training;

namespace PinnServe.Cli;

/// <summary>The options of docs/methods.md: NTK weights' batch, random weight factorization, random Fourier features.</summary>
internal sealed class MethodOptions
{
    public readonly Option<int?> NtkPoints = new("--ntk-points") { Description = $"Points per term whose per-point gradients estimate the NTK traces of --weighting ntk (default {Training.Weighting.NtkTraces.DefaultPoints})." };
    public readonly Option<bool> Rwf = new("--rwf") { Description = "Random weight factorization: every dense weight trained as V·diag(exp(s)), s ~ N(--rwf-mean, --rwf-std²) (jaxpi: 1, 0.1)." };
    public readonly Option<double?> RwfMean = new("--rwf-mean") { Description = "Mean μ of the initial log-scales s of --rwf (default 1; implies --rwf)." };
    public readonly Option<double?> RwfStd = new("--rwf-std") { Description = "Standard deviation σ of the initial log-scales s of --rwf (default 0.1; implies --rwf)." };
    public readonly Option<int?> FourierFeatures = new("--fourier-features") { Description = "Random Fourier features: the layers see [cos(x̂B), sin(x̂B)] with B (inputs × N) ~ N(0, σ²) fixed; N here (default: none)." };
    public readonly Option<double?> FourierScale = new("--fourier-scale") { Description = "σ of the Fourier feature matrix B (default 1)." };

    public IEnumerable<Option> All() => [NtkPoints, Rwf, RwfMean, RwfStd, FourierFeatures, FourierScale];

    public TrainingConfig ApplyTo(TrainingConfig c, ParseResult parse)
    {
        if (parse.GetValue(NtkPoints) is { } points) c = c with { Weighting = c.Weighting with { NtkPoints = points } };
        var mean = parse.GetValue(RwfMean);
        var std = parse.GetValue(RwfStd);
        if (parse.GetValue(Rwf) || mean is not null || std is not null)
        {
            var f = c.Factorization ?? new WeightFactorization();
            c = c with { Factorization = new WeightFactorization(mean ?? f.Mean, std ?? f.Std) };
        }
        var scale = parse.GetValue(FourierScale);
        if (parse.GetValue(FourierFeatures) is { } count) c = c with { FourierFeatures = new FourierFeatures(count, scale ?? c.FourierFeatures?.Scale ?? 1) };
        else if (scale is { } s)
            c = c.FourierFeatures is { } r ? c with { FourierFeatures = r with { Scale = s } } : throw new UsageException("--fourier-scale needs --fourier-features N (the number of features).");
        return c;
    }

    /// <summary>The flag of a setting path of these methods, for messages.</summary>
    public static string? FlagOf(string setting) => setting switch
    {
        "weighting.ntk_points" => "--ntk-points",
        "network.rwf_mean" => "--rwf-mean",
        "network.rwf_std" => "--rwf-std",
        "network.fourier_features" => "--fourier-features",
        "network.fourier_scale" => "--fourier-scale",
        _ => null,
    };
}
