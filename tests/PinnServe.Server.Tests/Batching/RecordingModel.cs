using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Batching;

/// <summary>
/// A test model with closed-form fields (a = x + 2y, b = x·y) that records every evaluation it receives and can
/// hold an evaluation at a gate, to put the batcher into "a batch is running" states without timing.
/// </summary>
internal sealed class RecordingModel : IFieldModel
{
    private readonly Func<float[], bool> _holds;
    private readonly ManualResetEventSlim _gate = new(false);
    private readonly List<float[]> _calls = [];

    /// <param name="holds">Which calls (by their points) wait at the gate until <see cref="Release"/>.</param>
    public RecordingModel(Func<float[], bool>? holds = null) => _holds = holds ?? (_ => false);

    public IReadOnlyList<string> InputNames => ["x", "y"];
    public IReadOnlyList<(double Min, double Max)> InputBounds => [(0, 1), (0, 1)];
    public IReadOnlyList<string> FieldNames => ["a", "b"];
    public IReadOnlyDictionary<string, string> Metadata => new Dictionary<string, string>();
    public Exception? Throws { get; set; }

    /// <summary>Set once a held call has reached the gate.</summary>
    public ManualResetEventSlim Held { get; } = new(false);

    public IReadOnlyList<float[]> Calls { get { lock (_calls) return _calls.ToArray(); } }

    public void Release() => _gate.Set();

    public static float Field(string field, float x, float y) => field == "a" ? x + 2 * y : x * y;

    public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output)
    {
        var copy = points.ToArray();
        lock (_calls) _calls.Add(copy);
        if (_holds(copy))
        {
            Held.Set();
            if (!_gate.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("The test never released the gate.");
        }
        if (Throws is not null) throw Throws;
        for (int i = 0; i < count; i++)
            for (int f = 0; f < fields.Count; f++)
                output[i * fields.Count + f] = Field(fields[f], copy[2 * i], copy[2 * i + 1]);
    }

    public void Dispose() => _gate.Dispose();
}
