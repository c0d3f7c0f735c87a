namespace PinnServe.Server.Models;

/// <summary>
/// What the server needs from a loaded model. In the product this is ONNX Runtime (OnnxFieldModel); the
/// seam exists so a GPU or another backend can be plugged in without touching the services.
/// </summary>
public interface IFieldModel : IDisposable
{
    IReadOnlyList<string> InputNames { get; }
    IReadOnlyList<(double Min, double Max)> InputBounds { get; }
    IReadOnlyList<string> FieldNames { get; }
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Evaluates <paramref name="fields"/> at <paramref name="count"/> row-major points into row-major output. Thread-safe.</summary>
    void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output);
}

/// <summary>Opens a model file; throws <see cref="InvalidDataException"/> (or IOException) for a bad file.</summary>
public delegate IFieldModel FieldModelLoader(string path);
