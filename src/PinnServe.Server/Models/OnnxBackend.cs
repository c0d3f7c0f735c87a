using PinnServe.Onnx;

namespace PinnServe.Server.Models;

/// <summary>The product backend: models are ONNX files evaluated by ONNX Runtime (<see cref="OnnxFieldModel"/>).</summary>
public sealed class OnnxBackend(OnnxFieldModel model) : IFieldModel
{
    public static IFieldModel Load(string path) => new OnnxBackend(OnnxFieldModel.Load(path));

    public static FieldModelLoader WithOptions(OnnxModelOptions options) => path => new OnnxBackend(OnnxFieldModel.Load(path, options));

    public IReadOnlyList<string> InputNames => model.InputNames;
    public IReadOnlyList<(double Min, double Max)> InputBounds => model.InputBounds;
    public IReadOnlyList<string> FieldNames => model.FieldNames;
    public IReadOnlyDictionary<string, string> Metadata => model.Metadata;

    public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output) =>
        model.Evaluate(points, count, fields, output);

    public void Dispose() => model.Dispose();
}
