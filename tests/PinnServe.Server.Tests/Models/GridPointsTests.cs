using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using Grpc.Core;
using PinnServe.Server.Models;
using PinnServe.Server.Services;

namespace PinnServe.Server.Tests.Models;

public class GridPointsTests
{
    private sealed class Shape(params string[] inputs) : IFieldModel
    {
        public IReadOnlyList<string> InputNames => inputs;
        public IReadOnlyList<(double Min, double Max)> InputBounds => inputs.Select(_ => (0.0, 1.0)).ToArray();
        public IReadOnlyList<string> FieldNames => ["u"];
        public IReadOnlyDictionary<string, string> Metadata => new Dictionary<string, string>();
        public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output) => throw new NotSupportedException();
        public void Dispose() { }
    }

    [Fact]
    public void First_axis_varies_slowest_and_coordinates_land_in_input_columns()
    {
        // Axes given as (y, x) for a model whose columns are (x, y).
        var spec = new GridSpec { Axes = { new GridAxis { Input = "y", Min = 0, Max = 1, Count = 2 }, new GridAxis { Input = "x", Min = 0, Max = 0.5, Count = 3 } } };
        var grid = GridPoints.Create(spec, new Shape("x", "y"), 100);
        var points = new float[12];
        grid.Fill(0, 6, points);
        Assert.Equal(6, grid.TotalPoints);
        Assert.Equal(new float[] { 0, 0, 0.25f, 0, 0.5f, 0, 0, 1, 0.25f, 1, 0.5f, 1 }, points);
        var tail = new float[4];
        grid.Fill(4, 2, tail);
        Assert.Equal(points[8..], tail);
    }

    [Fact]
    public void A_grid_past_the_limit_is_resource_exhausted_without_overflow()
    {
        var axis = new GridAxis { Min = 0, Max = 1, Count = uint.MaxValue };
        var spec = new GridSpec { Axes = { axis.Clone(), axis.Clone(), axis.Clone() } };
        spec.Axes[0].Input = "a"; spec.Axes[1].Input = "b"; spec.Axes[2].Input = "c";
        var error = Assert.Throws<RpcException>(() => GridPoints.Create(spec, new Shape("a", "b", "c"), long.MaxValue / 2));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
