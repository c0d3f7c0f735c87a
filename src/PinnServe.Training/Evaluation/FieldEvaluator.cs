using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Training.Evaluation;

/// <summary>
/// Evaluates named fields — outputs, their derivatives, or a problem's derived fields such as the cavity's
/// u = ψ_y — at arbitrary points with the engine, in chunks on a reusable tape.
/// </summary>
public sealed class FieldEvaluator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tape<T> _tape;
    private readonly JetInputNode<T> _input;
    private readonly JetNode<T> _output;
    private readonly (int Component, int Column, double Coefficient)[][] _fields;
    private readonly int _chunk, _axes;

    public FieldEvaluator(Network<T> network, string[] inputNames, string[] outputNames, double[] shift, double[] scale,
        IReadOnlyList<FieldDefinition> fields, int chunk = 2048)
    {
        foreach (var f in fields) f.Validate(inputNames, outputNames);
        _axes = inputNames.Length;
        _chunk = chunk;
        Fields = fields;
        int Axis(string name) => Array.IndexOf(inputNames, name);
        var needed = fields.SelectMany(f => f.Terms).Select(t => t.Derivative.Select(Axis).ToArray());
        var set = DerivativeSet.Closure(_axes, needed);
        _tape = new Tape<T>(network.Parameters, "evaluate");
        _input = _tape.Record(new JetInputNode<T>(set, chunk, shift, scale));
        _output = network.Apply(_tape, _input);
        _fields = fields.Select(f => f.Terms.Select(t =>
            (set.IndexOf(t.Derivative.Select(Axis).ToArray()), Array.IndexOf(outputNames, t.Output), t.Coefficient)).ToArray()).ToArray();
    }

    public IReadOnlyList<FieldDefinition> Fields { get; }

    /// <summary>Values of every field at <paramref name="points"/> (count × axes): result[field][point].</summary>
    public double[][] Evaluate(ReadOnlySpan<double> points)
    {
        int count = points.Length / _axes;
        var result = _fields.Select(_ => new double[count]).ToArray();
        int width = _output.Width;
        for (int start = 0; start < count; start += _chunk)
        {
            int n = Math.Min(_chunk, count - start);
            for (int i = 0; i < n * _axes; i++) _input.Coordinates[i] = T.CreateTruncating(points[start * _axes + i]);
            for (int i = n * _axes; i < _chunk * _axes; i++) _input.Coordinates[i] = T.Zero;
            _tape.Forward();
            for (int f = 0; f < _fields.Length; f++)
                for (int p = 0; p < n; p++)
                {
                    double v = 0;
                    foreach (var (component, column, coefficient) in _fields[f])
                        v += coefficient * double.CreateTruncating(_output.Component(component)[p * width + column]);
                    result[f][start + p] = v;
                }
        }
        return result;
    }
}
