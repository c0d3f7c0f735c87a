using Google.Protobuf;
using PinnServe.Onnx.Schema;

namespace PinnServe.Onnx.Internal;

/// <summary>
/// Appends nodes and constant tensors to an ONNX graph in topological order, naming every value uniquely.
/// Internal values are prefixed with "pinn/" so they never collide with input or field names.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const string BatchDimension = "N";

    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    public GraphProto Graph { get; }

    public OnnxGraphBuilder(string name) => Graph = new GraphProto { Name = name };

    private string Unique(string hint)
    {
        string name = $"pinn/{hint}";
        for (int i = 1; !usedNames.Add(name); i++) name = $"pinn/{hint}_{i}";
        return name;
    }

    /// <summary>A float32 constant (initializer) of the given shape, from values rounded from double.</summary>
    public string Constant(string hint, IReadOnlyList<double> values, params long[] dims)
    {
        if (values.Count != dims.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException($"Constant '{hint}' has {values.Count} values for shape [{string.Join(", ", dims)}].");
        var bytes = new byte[values.Count * sizeof(float)];
        for (int i = 0; i < values.Count; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(float)), (float)values[i]);
        return AddInitializer(hint, TensorProto.Types.DataType.Float, bytes, dims);
    }

    public string Scalar(string hint, double value) => Constant(hint, [value]);

    /// <summary>An int64 constant, e.g. axes, indices or shapes.</summary>
    public string Int64Constant(string hint, IReadOnlyList<long> values, params long[] dims)
    {
        var bytes = new byte[values.Count * sizeof(long)];
        for (int i = 0; i < values.Count; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(long)), values[i]);
        return AddInitializer(hint, TensorProto.Types.DataType.Int64, bytes, dims);
    }

    private string AddInitializer(string hint, TensorProto.Types.DataType type, byte[] littleEndian, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds one node with a single output and returns the output's name.</summary>
    public string Node(string opType, string hint, string[] inputs, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, hint, inputs, 1, attributes)[0];

    public string[] NodeWithOutputs(string opType, string hint, string[] inputs, int outputCount, params AttributeProto[] attributes)
    {
        var outputs = Enumerable.Range(0, outputCount).Select(i => Unique(outputCount == 1 ? hint : $"{hint}.{i}")).ToArray();
        var node = new NodeProto { OpType = opType, Name = Unique($"{opType}/{hint}") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Adds a node whose output is a graph output with a chosen (public) name.</summary>
    public void NamedNode(string opType, string outputName, string[] inputs, params AttributeProto[] attributes)
    {
        if (!usedNames.Add(outputName)) throw new ArgumentException($"Duplicate value name '{outputName}'.");
        var node = new NodeProto { OpType = opType, Name = Unique($"{opType}/{outputName}") };
        node.Input.AddRange(inputs);
        node.Output.Add(outputName);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>Declares a float graph input of shape [N].</summary>
    public string BatchInput(string name)
    {
        if (!usedNames.Add(name)) throw new ArgumentException($"Duplicate input name '{name}'.");
        Graph.Input.Add(BatchVector(name));
        return name;
    }

    /// <summary>Declares a float graph output of shape [N].</summary>
    public void BatchOutput(string name) => Graph.Output.Add(BatchVector(name));

    private static ValueInfoProto BatchVector(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
