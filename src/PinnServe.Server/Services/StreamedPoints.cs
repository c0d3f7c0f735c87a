using System.Globalization;
using PinnServe.Api.V1;
using Grpc.Core;
using PinnServe.Server.Models;

using static PinnServe.Server.Services.RpcErrors;

namespace PinnServe.Server.Services;

/// <summary>The points of a QueryStream request (an explicit list or a grid), validated up front, read in chunks.</summary>
internal sealed class StreamedPoints
{
    private readonly float[]? _list;
    private readonly GridPoints? _grid;
    private readonly IFieldModel _model;
    private readonly long[] _listOutOfDomain;   // sorted indices, explicit lists only
    private readonly bool _flagGridOutOfDomain;

    private StreamedPoints(IFieldModel model, long count, float[]? list, GridPoints? grid, long[] listOutOfDomain, bool flagGridOutOfDomain)
    {
        _model = model;
        Count = count;
        _list = list;
        _grid = grid;
        _listOutOfDomain = listOutOfDomain;
        _flagGridOutOfDomain = flagGridOutOfDomain;
    }

    public long Count { get; }

    public static StreamedPoints Create(QueryStreamRequest request, IFieldModel model, ServerLimits limits)
    {
        switch (request.SourceCase)
        {
            case QueryStreamRequest.SourceOneofCase.Points:
            {
                var coordinates = request.Points.Coordinates;
                int count = PointChecks.CountPoints(model, request.Model, coordinates.Count, limits.MaxStreamPoints, "QueryStream");
                var list = new float[coordinates.Count];
                coordinates.CopyTo(list, 0);
                var outOfDomain = request.AllowOutOfDomain ? new List<long>() : null;
                PointChecks.CheckCoordinates(model, list, 0, outOfDomain);
                return new StreamedPoints(model, count, list, null, outOfDomain?.ToArray() ?? [], false);
            }
            case QueryStreamRequest.SourceOneofCase.Grid:
            {
                var grid = GridPoints.Create(request.Grid, model, limits.MaxStreamPoints);
                bool anyOutside = false;
                foreach (var axis in request.Grid.Axes)
                {
                    var bound = model.InputBounds[IndexOf(model.InputNames, axis.Input)];
                    if (PointChecks.IsInside(axis.Min, bound) && PointChecks.IsInside(axis.Max, bound)) continue;
                    anyOutside = true;
                    if (!request.AllowOutOfDomain)
                        throw Error(StatusCode.InvalidArgument,
                            $"Grid axis '{Echo(axis.Input)}' spans [{F(axis.Min)}, {F(axis.Max)}], outside the model's domain [{F(bound.Min)}, {F(bound.Max)}]. Set allow_out_of_domain to evaluate it anyway.");
                }
                return new StreamedPoints(model, grid.TotalPoints, null, grid, [], anyOutside);
            }
            default:
                throw Error(StatusCode.InvalidArgument, "The request gives neither points nor a grid.");
        }
    }

    public void Fill(long first, int count, Span<float> destination)
    {
        int dims = _model.InputNames.Count;
        if (_list is not null) _list.AsSpan((int)(first * dims), count * dims).CopyTo(destination);
        else _grid!.Fill(first, count, destination);
    }

    /// <summary>Global indices of out-of-domain points among [first, first + count) (coordinates already filled).</summary>
    public IEnumerable<long> OutOfDomain(long first, int count, ReadOnlySpan<float> coordinates)
    {
        if (_listOutOfDomain.Length > 0)
        {
            int start = Array.BinarySearch(_listOutOfDomain, first);
            if (start < 0) start = ~start;
            var found = new List<long>();
            for (int i = start; i < _listOutOfDomain.Length && _listOutOfDomain[i] < first + count; i++) found.Add(_listOutOfDomain[i]);
            return found;
        }
        if (!_flagGridOutOfDomain) return [];
        var flagged = new List<long>();
        PointChecks.CheckCoordinates(_model, coordinates, first, flagged);
        return flagged;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    private static string F(double value) => value.ToString(CultureInfo.InvariantCulture);
}
