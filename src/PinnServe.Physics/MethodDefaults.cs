namespace PinnServe.Physics;

/// <summary>
/// A problem's choices among the methods of docs/methods.md (problem-file [training] keys): the weighting scheme, the
/// NTK batch, random weight factorization and random Fourier features. Null or false: the training config's default.
/// </summary>
public sealed record MethodDefaults(
    string? Weighting = null,
    int? NtkPoints = null,
    bool WeightFactorization = false,
    double? RwfMean = null,
    double? RwfStd = null,
    int? FourierFeatures = null,
    double? FourierScale = null);
