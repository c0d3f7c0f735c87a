using System.Globalization;
using System.Text;
using PinnServe.Contracts;
using PinnServe.Onnx;
using Schema = PinnServe.Onnx.Schema;

namespace PinnServe.Server.Tests;

/// <summary>Real ONNX models for the tests: small random-weight MLPs exported with the product's exporter.</summary>
internal static class TestModels
{
    /// <summary>A cavity-like model: inputs x, y on [0,1]²; fields u = ψ_y, v = −ψ_x, p, psi.</summary>
    public static string ExportCavity(string directory, string name, int seed, int width = 16, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var random = new Random(seed);
        LayerFile Layer(string layerName, int fanIn, int fanOut) => new()
        {
            Name = layerName, In = fanIn, Out = fanOut,
            Weights = Enumerable.Range(0, fanIn * fanOut).Select(_ => (random.NextDouble() * 2 - 1) * Math.Sqrt(3.0 / fanIn)).ToArray(),
            Bias = Enumerable.Range(0, fanOut).Select(_ => random.NextDouble() * 0.2 - 0.1).ToArray(),
        };
        var network = new NetworkFile
        {
            Architecture = NetworkFile.MlpArchitecture,
            Activation = "tanh",
            Inputs = ["x", "y"],
            Outputs = ["psi", "p"],
            InputShift = [0.5, 0.5],
            InputScale = [0.5, 0.5],
            InputBounds = [[0, 1], [0, 1]],
            Layers = [Layer("hidden_0", 2, width), Layer("hidden_1", width, width), Layer("output", width, 2)],
        };
        FieldDefinition[] fields =
        [
            FieldDefinition.Of("u", 1, "psi", "y"),
            FieldDefinition.Of("v", -1, "psi", "x"),
            FieldDefinition.Of("p", 1, "p"),
            FieldDefinition.Of("psi", 1, "psi"),
        ];
        string path = Path.Combine(directory, name + ".onnx");
        var allMetadata = new Dictionary<string, string> { ["problem"] = "cavity", ["metric.rel_l2_u"] = "0.0123" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>()) allMetadata[key] = value;
        OnnxExporter.Export(network, fields, path, allMetadata);
        return path;
    }

    /// <summary>A random MLP with the given input and output names (a valid model of another signature than the cavity's).</summary>
    public static string ExportSignature(string directory, string name, string[] inputs, string[] outputs, int seed = 5)
    {
        var random = new Random(seed);
        LayerFile Layer(string layerName, int fanIn, int fanOut) => new()
        {
            Name = layerName, In = fanIn, Out = fanOut,
            Weights = Enumerable.Range(0, fanIn * fanOut).Select(_ => random.NextDouble() - 0.5).ToArray(),
            Bias = new double[fanOut],
        };
        var network = new NetworkFile
        {
            Architecture = NetworkFile.MlpArchitecture,
            Activation = "tanh",
            Inputs = inputs,
            Outputs = outputs,
            InputShift = inputs.Select(_ => 0.5).ToArray(),
            InputScale = inputs.Select(_ => 0.5).ToArray(),
            InputBounds = inputs.Select(_ => new double[] { 0, 1 }).ToArray(),
            Layers = [Layer("hidden_0", inputs.Length, 8), Layer("output", 8, outputs.Length)],
        };
        string path = Path.Combine(directory, name + ".onnx");
        OnnxExporter.Export(network, outputs.Select(o => FieldDefinition.Of(o, 1, o)).ToArray(), path, new Dictionary<string, string>());
        return path;
    }

    /// <summary>
    /// A valid ONNX file whose every tensor has the fixed shape [1, 1] (outputs are copies of inputs): it loads, and
    /// fails on any call of more than one point.
    /// </summary>
    public static void WriteFixedBatch(string path, string[] inputs, string[] outputs)
    {
        static Schema.ValueInfoProto Tensor(string name) => new()
        {
            Name = name,
            Type = new Schema.TypeProto
            {
                TensorType = new Schema.TypeProto.Types.Tensor
                {
                    ElemType = 1, // FLOAT
                    Shape = new Schema.TensorShapeProto { Dim = { new Schema.TensorShapeProto.Types.Dimension { DimValue = 1 }, new Schema.TensorShapeProto.Types.Dimension { DimValue = 1 } } },
                },
            },
        };
        var graph = new Schema.GraphProto { Name = "fixed_batch" };
        graph.Input.AddRange(inputs.Select(Tensor));
        graph.Output.AddRange(outputs.Select(Tensor));
        for (int i = 0; i < outputs.Length; i++)
            graph.Node.Add(new Schema.NodeProto { OpType = "Identity", Input = { inputs[i % inputs.Length] }, Output = { outputs[i] }, Name = $"copy_{i}" });
        var model = new Schema.ModelProto { IrVersion = 8, Graph = graph, ProducerName = "pinnserve-tests", OpsetImport = { new Schema.OperatorSetIdProto { Domain = "", Version = 13 } } };
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
    }

    /// <summary>Writes NAME.reference.csv with the model's own values on a grid (so validation errors are ~0).</summary>
    public static void WriteSelfReference(string modelPath, int perAxis = 11)
    {
        using var model = OnnxFieldModel.Load(modelPath);
        var points = new List<float>();
        for (int i = 0; i < perAxis; i++)
            for (int j = 0; j < perAxis; j++)
                points.AddRange([i / (float)(perAxis - 1), j / (float)(perAxis - 1)]);
        int count = points.Count / 2;
        var values = new float[count * model.FieldNames.Count];
        model.Evaluate(points.ToArray(), count, model.FieldNames, values);
        var csv = new StringBuilder("x,y," + string.Join(",", model.FieldNames) + "\n");
        for (int p = 0; p < count; p++)
        {
            var row = new List<float> { points[2 * p], points[2 * p + 1] };
            row.AddRange(values.AsSpan(p * model.FieldNames.Count, model.FieldNames.Count).ToArray());
            csv.AppendLine(string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        string directory = Path.GetDirectoryName(modelPath)!;
        string name = Path.GetFileNameWithoutExtension(modelPath);
        File.WriteAllText(Path.Combine(directory, name + ".reference.csv"), csv.ToString());
    }

    public static string NewTempDirectory(string prefix)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pinnserve-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
