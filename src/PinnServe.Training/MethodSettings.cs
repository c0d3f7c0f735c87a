using PinnServe.Nn;
using PinnServe.Physics;

namespace PinnServe.Training;

/// <summary>How the settings of docs/methods.md (NTK weights, weight factorization, Fourier features) enter a config and are checked.</summary>
internal static class MethodSettings
{
    /// <summary>A problem's method defaults on top of its model preset; a model named on the command line keeps its own weighting.</summary>
    public static TrainingConfig FromDefaults(TrainingConfig c, MethodDefaults? d, bool explicitModel)
    {
        if (d is null) return c;
        if (d.Weighting is { } scheme && !explicitModel && scheme != c.Weighting.Scheme)
            c = c with { Model = "custom", Weighting = c.Weighting with { Scheme = scheme } };
        if (d.NtkPoints is { } points) c = c with { Weighting = c.Weighting with { NtkPoints = points } };
        if (d.WeightFactorization)
        {
            var defaults = new WeightFactorization();
            c = c with { Factorization = new WeightFactorization(d.RwfMean ?? defaults.Mean, d.RwfStd ?? defaults.Std) };
        }
        if (d.FourierFeatures is { } count) c = c with { FourierFeatures = new FourierFeatures(count, d.FourierScale ?? 1) };
        return c;
    }

    /// <summary>Names the first bad value by its setting path (<see cref="InvalidSettingException"/>).</summary>
    public static void Validate(TrainingConfig c)
    {
        if (c.Weighting.NtkPoints < 1 || c.Weighting.NtkPoints > Weighting.NtkTraces.MaxPoints)
            throw new InvalidSettingException("weighting.ntk_points", $"must be 1..{Weighting.NtkTraces.MaxPoints:N0}, got {c.Weighting.NtkPoints}");
        if (c.Factorization is { } f)
        {
            if (!double.IsFinite(f.Mean)) throw new InvalidSettingException("network.rwf_mean", $"must be a finite number, got {f.Mean}");
            if (!(f.Std > 0) || !double.IsFinite(f.Std)) throw new InvalidSettingException("network.rwf_std", $"must be a positive number, got {f.Std}");
        }
        if (c.FourierFeatures is { } r)
        {
            if (r.Count < 1 || r.Count > FourierFeatures.MaxCount)
                throw new InvalidSettingException("network.fourier_features", $"must be 1..{FourierFeatures.MaxCount:N0}, got {r.Count}");
            if (!(r.Scale > 0) || !double.IsFinite(r.Scale)) throw new InvalidSettingException("network.fourier_scale", $"must be a positive number, got {r.Scale}");
            if (c.PeriodicInputs.Length > 0)
                throw new InvalidSettingException("network.fourier_features", "cannot be combined with periodic inputs (network.periodic_inputs)");
        }
    }
}
