using System.Globalization;
using PinnServe.Api.V1;
using Grpc.Core;
using PinnServe.Server.Models;

using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>
/// The points of a <see cref="GridSpec"/>, generated chunk by chunk and never materialized: the first axis
/// varies slowest, the last fastest; coordinates land in the model's input columns by name.
/// </summary>
internal sealed class GridPoints
{
    private readonly int[] _column;     // axis -> model input column
    private readonly double[] _min, _step;
    private readonly long[] _count, _stride;

    private GridPoints(int[] column, double[] min, double[] step, long[] count)
    {
        _column = column;
        _min = min;
        _step = step;
        _count = count;
        _stride = new long[count.Length];
        long stride = 1;
        for (int a = count.Length - 1; a >= 0; a--) { _stride[a] = stride; stride *= count[a]; }
        TotalPoints = stride;
    }

    public long TotalPoints { get; }
    public int Dimensions => _column.Length;

    /// <summary>Checks the spec against the model (every input once, finite bounds, counts ≥ 1, size limit).</summary>
    public static GridPoints Create(GridSpec spec, IFieldModel model, long maxPoints)
    {
        var inputs = model.InputNames;
        if (spec.Axes.Count != inputs.Count)
            throw Error(StatusCode.InvalidArgument,
                $"The grid has {spec.Axes.Count} axes but the model has {inputs.Count} inputs ({string.Join(", ", inputs)}); give one axis per input.");
        var column = new int[inputs.Count];
        var min = new double[inputs.Count];
        var step = new double[inputs.Count];
        var count = new long[inputs.Count];
        long total = 1;
        for (int a = 0; a < spec.Axes.Count; a++)
        {
            var axis = spec.Axes[a];
            int c = IndexOf(inputs, axis.Input);
            if (c < 0)
                throw Error(StatusCode.InvalidArgument, $"Grid axis '{Echo(axis.Input)}' is not an input of the model ({string.Join(", ", inputs)}).");
            if (column[..a].Contains(c))
                throw Error(StatusCode.InvalidArgument, $"Grid axis '{Echo(axis.Input)}' is given twice.");
            if (!double.IsFinite(axis.Min) || !double.IsFinite(axis.Max) || axis.Min > axis.Max)
                throw Error(StatusCode.InvalidArgument,
                    $"Grid axis '{Echo(axis.Input)}' has invalid bounds [{axis.Min.ToString(CultureInfo.InvariantCulture)}, {axis.Max.ToString(CultureInfo.InvariantCulture)}].");
            if (axis.Count == 0)
                throw Error(StatusCode.InvalidArgument, $"Grid axis '{Echo(axis.Input)}' has count 0.");
            column[a] = c;
            min[a] = axis.Min;
            count[a] = axis.Count;
            step[a] = axis.Count == 1 ? 0 : (axis.Max - axis.Min) / (axis.Count - 1);
            // Saturate instead of overflowing: anything above the limit is rejected below anyway.
            total = total > maxPoints / axis.Count ? long.MaxValue : total * axis.Count;
        }
        if (total > maxPoints)
            throw Error(StatusCode.ResourceExhausted, $"The grid has more than the {maxPoints} points allowed per QueryStream call.");
        return new GridPoints(column, min, step, count);
    }

    /// <summary>Writes points [first, first + count) row-major into <paramref name="destination"/>.</summary>
    public void Fill(long first, int count, Span<float> destination)
    {
        int dims = _column.Length;
        for (int p = 0; p < count; p++)
        {
            long index = first + p;
            for (int a = 0; a < dims; a++)
            {
                long i = index / _stride[a] % _count[a];
                destination[p * dims + _column[a]] = (float)(_min[a] + i * _step[a]);
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }
}
