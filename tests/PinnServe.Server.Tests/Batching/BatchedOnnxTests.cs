using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Batching;

/// <summary>Batching on real ONNX Runtime sessions: merged calls give every caller the bits it gets alone.</summary>
public sealed class BatchedOnnxTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = TestModels.NewTempDirectory("batching");

    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string> { "(exported test model)" };
        foreach (var path in Directory.GetFiles(Path.Combine(RealClient.PythonClientTests.RepositoryRoot(), "models"), "*.onnx").Order())
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Batched_values_equal_unbatched_values_bit_for_bit(string model)
    {
        string path = model.StartsWith('(')
            ? TestModels.ExportCavity(_directory, "cavity", seed: 5)
            : Path.Combine(RealClient.PythonClientTests.RepositoryRoot(), "models", model);
        using var onnx = OnnxBackend.Load(path);
        using var held = new HoldFirstCall(onnx);
        var fields = onnx.FieldNames.Reverse().ToArray();
        var random = new Random(11);
        var calls = Enumerable.Range(0, 24).Select(i => InDomain(onnx, random, 1 + i % 5)).ToArray();
        int total = calls.Sum(c => c.Length) / onnx.InputNames.Count;

        // Alone: one ONNX Runtime call per request.
        var alone = calls.Select(c =>
        {
            int n = c.Length / onnx.InputNames.Count;
            var values = new float[n * fields.Length];
            onnx.Evaluate(c, n, fields, values);
            return values;
        }).ToArray();

        // Merged: while a first call is held, the 24 calls fill one batch exactly.
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 5, MaxBatchPoints = total });
        var first = batcher.EvaluateAsync(held, calls[0], calls[0].Length / onnx.InputNames.Count, fields);
        Assert.True(held.Held.Wait(Patience));
        var merged = await Task.WhenAll(calls.Select(c => batcher.EvaluateAsync(held, c, c.Length / onnx.InputNames.Count, fields))).WaitAsync(Patience);
        held.Release();
        await first.WaitAsync(Patience);

        for (int c = 0; c < calls.Length; c++)
        {
            Assert.Equal(calls.Length, merged[c].BatchRequests);
            Assert.Equal(alone[c].Select(BitConverter.SingleToInt32Bits), merged[c].Values.Select(BitConverter.SingleToInt32Bits));
        }
    }

    private static float[] InDomain(IFieldModel model, Random random, int count)
    {
        var points = new float[count * model.InputNames.Count];
        for (int p = 0; p < count; p++)
            for (int d = 0; d < model.InputNames.Count; d++)
            {
                var (min, max) = model.InputBounds[d];
                if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
                points[p * model.InputNames.Count + d] = (float)(min + random.NextDouble() * (max - min));
            }
        return points;
    }

    /// <summary>Holds the first evaluation until released, so later calls gather behind it.</summary>
    private sealed class HoldFirstCall(IFieldModel inner) : IFieldModel
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private int _calls;

        public ManualResetEventSlim Held { get; } = new(false);
        public IReadOnlyList<string> InputNames => inner.InputNames;
        public IReadOnlyList<(double Min, double Max)> InputBounds => inner.InputBounds;
        public IReadOnlyList<string> FieldNames => inner.FieldNames;
        public IReadOnlyDictionary<string, string> Metadata => inner.Metadata;
        public void Release() => _gate.Set();

        public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Held.Set();
                _gate.Wait(Patience);
            }
            inner.Evaluate(points, count, fields, output);
        }

        public void Dispose() => _gate.Dispose();
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
