using Google.Protobuf;
using PinnServe.Onnx.Schema;

namespace PinnServe.Onnx.Tests;

/// <summary>Models not written by PinnServe load when they follow the convention, with [N, 1] columns too.</summary>
public sealed class ForeignModelTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-onnx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static ValueInfoProto Column(string name, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private string Write(ValueInfoProto input, ValueInfoProto output, string op = "Add")
    {
        var graph = new GraphProto { Name = "foreign" };
        graph.Input.Add(input);
        graph.Output.Add(output);
        var node = new NodeProto { OpType = op, Name = "twice" };
        node.Input.Add(input.Name);
        node.Input.Add(input.Name);
        node.Output.Add(output.Name);
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        string path = Path.Combine(directory, "foreign.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static TensorShapeProto.Types.Dimension Batch => new() { DimParam = "batch" };
    private static TensorShapeProto.Types.Dimension One => new() { DimValue = 1 };

    [Fact]
    public void Column_shaped_inputs_and_outputs_work_and_bounds_default_to_unbounded()
    {
        using var model = OnnxFieldModel.Load(Write(Column("s", Batch, One), Column("twice_s", Batch, One)));
        Assert.Equal(["s"], model.InputNames);
        Assert.Equal((double.NegativeInfinity, double.PositiveInfinity), model.InputBounds[0]);
        var output = new float[3];
        model.Evaluate([1f, 2f, 3.5f], 3, ["twice_s"], output);
        Assert.Equal([2f, 4f, 7f], output);
    }

    [Fact]
    public void Inputs_of_another_shape_are_refused_naming_the_shape()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            OnnxFieldModel.Load(Write(Column("s", Batch, new() { DimValue = 3 }), Column("twice_s", Batch, new() { DimValue = 3 }))));
        Assert.Contains("input 's'", e.Message);
        Assert.Contains("[N] or [N, 1]", e.Message);
    }

    [Fact]
    public void Graphs_onnx_runtime_rejects_give_invalid_data()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            OnnxFieldModel.Load(Write(Column("s", Batch), Column("twice_s", Batch), op: "NoSuchOperator")));
        Assert.Contains("could not be loaded by ONNX Runtime", e.Message);
    }
}
