using System.Globalization;
using Google.Protobuf.Collections;
using Grpc.Core;
using PinnServe.Server.Models;

using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>
/// Input checks shared by the query methods. Every failure names the offending value.
/// Out-of-domain policy: rejected with INVALID_ARGUMENT by default; with allow_out_of_domain the points are
/// evaluated (extrapolation) and their indices are returned, so a caller always knows which values to trust.
/// </summary>
internal static class PointChecks
{
    /// <summary>The requested fields in order (all of the model's when none are named); each at most once.</summary>
    public static string[] ResolveFields(IFieldModel model, string modelName, RepeatedField<string> requested)
    {
        if (requested.Count == 0) return model.FieldNames.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string field in requested)
        {
            if (!model.FieldNames.Contains(field))
                throw Error(StatusCode.InvalidArgument,
                    $"Unknown field '{Echo(field)}': model '{modelName}' has {string.Join(", ", model.FieldNames)}.");
            if (!seen.Add(field))
                throw Error(StatusCode.InvalidArgument, $"Field '{field}' is requested twice; name each field once.");
        }
        return requested.ToArray();
    }

    /// <summary>Number of points in a packed row-major list; checks emptiness, shape and the size limit.</summary>
    public static int CountPoints(IFieldModel model, string modelName, int floatCount, long maxPoints, string method)
    {
        int dims = model.InputNames.Count;
        if (floatCount == 0)
            throw Error(StatusCode.InvalidArgument, "The request has no points.");
        if (floatCount % dims != 0)
            throw Error(StatusCode.InvalidArgument,
                $"The request has {floatCount} coordinates, not a multiple of model '{modelName}''s {dims} inputs ({string.Join(", ", model.InputNames)}): points are packed row-major, {dims} floats each.");
        int count = floatCount / dims;
        if (count > maxPoints)
            throw Error(StatusCode.ResourceExhausted,
                $"The request has {count} points, more than the {maxPoints} allowed per {method} call" + (method == "Query" ? "; use QueryStream." : "."));
        return count;
    }

    /// <summary>
    /// Rejects NaN/Inf always, and out-of-domain points unless <paramref name="outOfDomain"/> is given to
    /// collect their global indices (first point of the span = <paramref name="firstIndex"/>).
    /// </summary>
    public static void CheckCoordinates(IFieldModel model, ReadOnlySpan<float> points, long firstIndex, List<long>? outOfDomain)
    {
        int dims = model.InputNames.Count;
        var bounds = model.InputBounds;
        for (int i = 0; i < points.Length; i++)
        {
            float value = points[i];
            int input = i % dims;
            long point = firstIndex + i / dims;
            if (!float.IsFinite(value))
                throw Error(StatusCode.InvalidArgument,
                    $"Point {point} has a non-finite coordinate: {model.InputNames[input]} = {value.ToString(CultureInfo.InvariantCulture)}.");
            if (IsInside(value, bounds[input])) continue;
            if (outOfDomain is null)
                throw Error(StatusCode.InvalidArgument,
                    $"Point {point} is outside the model's domain: {model.InputNames[input]} = {value.ToString(CultureInfo.InvariantCulture)} is not in " +
                    $"[{bounds[input].Min.ToString(CultureInfo.InvariantCulture)}, {bounds[input].Max.ToString(CultureInfo.InvariantCulture)}]. Set allow_out_of_domain to evaluate it anyway.");
            if (outOfDomain.Count == 0 || outOfDomain[^1] != point) outOfDomain.Add(point);
        }
    }

    /// <summary>
    /// Inside [min, max] up to the float32 rounding of each bound: coordinates arrive as float32, so the float
    /// nearest to a bound such as 1000.1 may lie just outside the double bound. The slack is one float32 ulp at
    /// the bound's magnitude (6e-5 at 1000, 1.2e-7 at 1, 0 at 0), so it scales with the bounds, not the width.
    /// </summary>
    public static bool IsInside(double value, (double Min, double Max) bound) =>
        value >= bound.Min - FloatUlp(bound.Min) && value <= bound.Max + FloatUlp(bound.Max);

    private static double FloatUlp(double bound)
    {
        if (!double.IsFinite(bound)) return 0;
        float magnitude = (float)Math.Abs(bound);
        return (double)MathF.BitIncrement(magnitude) - magnitude;
    }
}
