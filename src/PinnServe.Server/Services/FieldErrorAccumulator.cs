namespace PinnServe.Server.Services;

/// <summary>Per-field sums for the relative L² error ‖pred − ref‖₂ / ‖ref‖₂ and the max absolute error, in double.</summary>
internal sealed class FieldErrorAccumulator(int fieldCount)
{
    private readonly double[] _squaredError = new double[fieldCount];
    private readonly double[] _squaredReference = new double[fieldCount];
    private readonly double[] _maxAbs = new double[fieldCount];

    /// <summary>Adds row-major [point × field] predictions and reference values.</summary>
    public void Add(ReadOnlySpan<float> predicted, ReadOnlySpan<float> reference)
    {
        for (int i = 0; i < predicted.Length; i++)
        {
            int f = i % fieldCount;
            double error = (double)predicted[i] - reference[i];
            _squaredError[f] += error * error;
            _squaredReference[f] += (double)reference[i] * reference[i];
            _maxAbs[f] = Math.Max(_maxAbs[f], Math.Abs(error));
        }
    }

    /// <summary>Relative L²; for an all-zero reference, 0 when the prediction is exact and +∞ otherwise.</summary>
    public double RelativeL2(int field) =>
        _squaredReference[field] > 0 ? Math.Sqrt(_squaredError[field] / _squaredReference[field])
        : _squaredError[field] == 0 ? 0 : double.PositiveInfinity;

    public double MaxAbs(int field) => _maxAbs[field];
}
