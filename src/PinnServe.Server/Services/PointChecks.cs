using System.Globalization;
using Google.Protobuf.Collections;
using PinnServe.Server.Internal;
using PinnServe.Server.Models;

namespace PinnServe.Server.Services;

/// <summary>
/// Input checks shared by the query methods. Every failure names the offending value.
/// Out-of-domain policy: rejected with INVALID_ARGUMENT by default; with allow_out_of_domain the points are
/// evaluated (extrapolation) and their indices are returned, so a caller always knows which values to trust.
/// </summary>
internal static class PointChecks
{
    // Float32 coordinates of a bound (e.g. 0.1) round differently from the double bound: allow that slack.
    private const double RelativeBoundSlack = 1e-6;

    /// <summary>The requested fields in order (all of the model's when none are named).</summary>
    public static string[] ResolveFields(IFieldModel model, string modelName, RepeatedField<string> requested)
    {
        if (requested.Count == 0) return model.FieldNames.ToArray();
        foreach (string field in requested)
            if (!model.FieldNames.Contains(field))
                throw new RpcException(StatusCode.InvalidArgument,
                    $"Unknown field '{field}': model '{modelName}' has {string.Join(", ", model.FieldNames)}.");
        return requested.ToArray();
    }

    /// <summary>Number of points in a packed row-major list; checks emptiness, shape and the size limit.</summary>
    public static int CountPoints(IFieldModel model, string modelName, int floatCount, long maxPoints, string method)
    {
        int dims = model.InputNames.Count;
        if (floatCount == 0)
            throw new RpcException(StatusCode.InvalidArgument, "The request has no points.");
        if (floatCount % dims != 0)
            throw new RpcException(StatusCode.InvalidArgument,
                $"The request has {floatCount} coordinates, not a multiple of model '{modelName}''s {dims} inputs ({string.Join(", ", model.InputNames)}): points are packed row-major, {dims} floats each.");
        int count = floatCount / dims;
        if (count > maxPoints)
            throw new RpcException(StatusCode.ResourceExhausted,
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
                throw new RpcException(StatusCode.InvalidArgument,
                    $"Point {point} has a non-finite coordinate: {model.InputNames[input]} = {value.ToString(CultureInfo.InvariantCulture)}.");
            if (IsInside(value, bounds[input])) continue;
            if (outOfDomain is null)
                throw new RpcException(StatusCode.InvalidArgument,
                    $"Point {point} is outside the model's domain: {model.InputNames[input]} = {value.ToString(CultureInfo.InvariantCulture)} is not in " +
                    $"[{bounds[input].Min.ToString(CultureInfo.InvariantCulture)}, {bounds[input].Max.ToString(CultureInfo.InvariantCulture)}]. Set allow_out_of_domain to evaluate it anyway.");
            if (outOfDomain.Count == 0 || outOfDomain[^1] != point) outOfDomain.Add(point);
        }
    }

    public static bool IsInside(double value, (double Min, double Max) bound)
    {
        double slack = RelativeBoundSlack * Math.Max(1.0, bound.Max - bound.Min);
        return value >= bound.Min - slack && value <= bound.Max + slack;
    }
}
