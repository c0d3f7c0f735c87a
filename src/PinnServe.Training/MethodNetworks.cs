using PinnServe.Nn;

namespace PinnServe.Training;

/// <summary>The network recipe's method settings (docs/methods.md) as the network library's types.</summary>
internal static class MethodNetworks
{
    public static WeightFactorization? Factorization(NetworkRecipe network) =>
        network.Rwf is { } rwf ? new WeightFactorization(rwf.Mean, rwf.Std) : null;

    public static FourierFeatures? FourierFeatures(NetworkRecipe network) =>
        network.FourierFeatures is { } rff ? new FourierFeatures(rff.Count, rff.Scale) : null;
}
