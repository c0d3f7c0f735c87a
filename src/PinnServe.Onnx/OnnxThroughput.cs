using System.Diagnostics;

namespace PinnServe.Onnx;

/// <summary>One throughput measurement of <see cref="OnnxThroughput.Measure"/>.</summary>
public sealed record OnnxThroughputResult(int Batch, int Calls, long Points, double Seconds, IReadOnlyList<string> Fields)
{
    public double PointsPerSecond => Points / Seconds;
    public double MillisecondsPerCall => 1e3 * Seconds / Calls;
}

/// <summary>In-process throughput of an ONNX model: repeated <see cref="OnnxFieldModel.Evaluate"/> calls on one batch.</summary>
public static class OnnxThroughput
{
    /// <summary>
    /// Evaluates <paramref name="fields"/> (default: all) on <paramref name="batch"/> random points inside the model's
    /// input bounds ([0, 1] where unbounded), once to warm up, then repeatedly until <paramref name="budget"/> has
    /// passed (at least <paramref name="minCalls"/> calls). Timed calls include the column transposition.
    /// </summary>
    public static OnnxThroughputResult Measure(OnnxFieldModel model, int batch, TimeSpan budget,
        IReadOnlyList<string>? fields = null, int minCalls = 3, int seed = 1234)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        fields ??= model.FieldNames;
        var points = RandomPoints(model, batch, seed);
        var output = new float[(long)batch * fields.Count];
        model.Evaluate(points, batch, fields, output);

        int calls = 0;
        var clock = Stopwatch.StartNew();
        while (calls < minCalls || clock.Elapsed < budget)
        {
            model.Evaluate(points, batch, fields, output);
            calls++;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new OnnxThroughputResult(batch, calls, (long)calls * batch, seconds, fields);
    }

    /// <summary>Uniform random points in the model's domain, row-major [count × inputs].</summary>
    public static float[] RandomPoints(OnnxFieldModel model, int count, int seed)
    {
        var random = new Random(seed);
        int width = model.InputNames.Count;
        var points = new float[(long)count * width];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < width; j++)
            {
                var (min, max) = model.InputBounds[j];
                if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
                points[i * width + j] = (float)(min + (max - min) * random.NextDouble());
            }
        return points;
    }
}
