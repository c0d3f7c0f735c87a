using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PinnServe.Onnx.Internal;

namespace PinnServe.Onnx;

/// <summary>How an <see cref="OnnxFieldModel"/> is run.</summary>
/// <param name="Device">Where to evaluate; loading fails with a message naming what is missing when CUDA is not available.</param>
/// <param name="IntraOpThreads">Threads ONNX Runtime may use inside one evaluation; 0 lets it choose (one per physical core).</param>
public sealed record OnnxModelOptions(OnnxDevice Device = OnnxDevice.Cpu, int IntraOpThreads = 0);

/// <summary>
/// A PINN exported to ONNX, evaluated with ONNX Runtime: named coordinate inputs in, named fields out.
/// </summary>
/// <remarks>
/// Graph convention (see <see cref="OnnxMetadataKeys"/>): one float input per coordinate of shape [N] (or [N, 1]),
/// one float output per field of shape [N] (or [N, 1]), N dynamic. Any ONNX model following it can be loaded,
/// not only PinnServe's exports; models without <c>input_bounds.*</c> metadata report unbounded inputs.
/// <see cref="Evaluate"/> may be called from several threads at once.
/// </remarks>
public sealed class OnnxFieldModel : IDisposable
{
    /// <summary>Points per ONNX Runtime call: bounds the memory of the derivative components of large batches.</summary>
    internal const int ChunkSize = 8_192;

    private readonly InferenceSession session;
    private readonly string[] inputNames;
    private readonly bool[] inputIsColumn;
    private readonly Dictionary<string, bool> outputIsColumn;
    private readonly Dictionary<string, int> fieldIndex;

    public string Path { get; }
    /// <summary>Coordinate inputs in column order of <see cref="Evaluate"/>'s points, e.g. ["x", "y"].</summary>
    public IReadOnlyList<string> InputNames { get; }
    /// <summary>Domain of each input from the model's metadata; (−∞, ∞) where the model does not say.</summary>
    public IReadOnlyList<(double Min, double Max)> InputBounds { get; }
    /// <summary>The fields the model computes (its graph outputs), e.g. ["u", "v", "p", "psi"].</summary>
    public IReadOnlyList<string> FieldNames { get; }
    /// <summary>The model's metadata_props.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>The execution provider in use: "CPUExecutionProvider" or "CUDAExecutionProvider".</summary>
    public string ExecutionProvider { get; }

    private OnnxFieldModel(string path, InferenceSession session, IReadOnlyDictionary<string, string> metadata, string provider)
    {
        Path = path;
        this.session = session;
        Metadata = metadata;
        ExecutionProvider = provider;
        InputNames = inputNames = session.InputNames.ToArray();
        FieldNames = session.OutputNames.ToArray();
        inputIsColumn = InputNames.Select(n => IsColumn(session.InputMetadata[n], $"input '{n}'")).ToArray();
        outputIsColumn = FieldNames.ToDictionary(n => n, n => IsColumn(session.OutputMetadata[n], $"output '{n}'"));
        fieldIndex = FieldNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        InputBounds = InputNames.Select(n => metadata.TryGetValue(OnnxMetadataKeys.InputBoundsPrefix + n, out var b)
            ? OnnxMetadataKeys.ParseBounds(OnnxMetadataKeys.InputBoundsPrefix + n, b)
            : (double.NegativeInfinity, double.PositiveInfinity)).ToArray();
    }

    /// <summary>
    /// Loads an ONNX model. Throws <see cref="FileNotFoundException"/> for a missing file,
    /// <see cref="InvalidDataException"/> naming the problem for a corrupt file or one that does not follow the
    /// convention, and <see cref="InvalidOperationException"/> when CUDA was requested but is not available.
    /// </summary>
    public static OnnxFieldModel Load(string path, OnnxModelOptions? options = null)
    {
        options ??= new OnnxModelOptions();
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        var metadata = OnnxModelFile.ReadMetadata(bytes, path);
        var session = OrtSessionFactory.Create(bytes, path, options, out string provider);
        try
        {
            return new OnnxFieldModel(path, session, metadata, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Evaluates <paramref name="fields"/> at <paramref name="count"/> points.
    /// </summary>
    /// <param name="points">count × <see cref="InputNames"/>.Count coordinates, row-major.</param>
    /// <param name="count">Number of points.</param>
    /// <param name="fields">Names from <see cref="FieldNames"/>, in the column order wanted in <paramref name="output"/>.</param>
    /// <param name="output">count × fields.Count values, row-major.</param>
    public void Evaluate(ReadOnlySpan<float> points, int count, IReadOnlyList<string> fields, Span<float> output)
    {
        int width = InputNames.Count;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(fields);
        if ((long)count * width != points.Length)
            throw new ArgumentException(
                $"points has {points.Length} values but {count} points × {width} inputs ({string.Join(", ", InputNames)}) need {(long)count * width}.",
                nameof(points));
        if (fields.Count == 0) throw new ArgumentException("No fields requested.", nameof(fields));
        foreach (var field in fields)
            if (!fieldIndex.ContainsKey(field))
                throw new ArgumentException($"Unknown field '{field}': the model computes {string.Join(", ", FieldNames)}.", nameof(fields));
        if ((long)count * fields.Count != output.Length)
            throw new ArgumentException(
                $"output has {output.Length} values but {count} points × {fields.Count} fields need {(long)count * fields.Count}.", nameof(output));

        var outputNames = fields.Distinct().ToArray();
        int[] outputSlot = fields.Select(f => Array.IndexOf(outputNames, f)).ToArray();
        int chunk = Math.Min(count, ChunkSize);
        var inputBuffers = RentAll(width, chunk);
        var outputBuffers = RentAll(outputNames.Length, chunk);
        try
        {
            for (int start = 0; start < count; start += chunk)
            {
                int n = Math.Min(chunk, count - start);
                var chunkPoints = points.Slice(start * width, n * width);
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < width; j++)
                        inputBuffers[j][i] = chunkPoints[i * width + j];
                RunChunk(n, inputBuffers, outputNames, outputBuffers);
                var chunkOutput = output.Slice(start * fields.Count, n * fields.Count);
                for (int i = 0; i < n; i++)
                    for (int f = 0; f < outputSlot.Length; f++)
                        chunkOutput[i * outputSlot.Length + f] = outputBuffers[outputSlot[f]][i];
            }
        }
        finally
        {
            foreach (var buffer in inputBuffers.Concat(outputBuffers)) ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private void RunChunk(int n, float[][] inputBuffers, string[] outputNames, float[][] outputBuffers)
    {
        var values = new List<OrtValue>(inputBuffers.Length + outputNames.Length);
        try
        {
            for (int j = 0; j < InputNames.Count; j++)
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    inputBuffers[j].AsMemory(0, n), inputIsColumn[j] ? [n, 1] : [n]));
            for (int f = 0; f < outputNames.Length; f++)
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    outputBuffers[f].AsMemory(0, n), outputIsColumn[outputNames[f]] ? [n, 1] : [n]));
            session.Run(null, inputNames, values.Take(inputNames.Length).ToArray(),
                outputNames, values.Skip(inputNames.Length).ToArray());
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"ONNX Runtime failed to evaluate '{Path}': {e.Message}", e);
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static float[][] RentAll(int count, int length) =>
        Enumerable.Range(0, count).Select(_ => ArrayPool<float>.Shared.Rent(Math.Max(length, 1))).ToArray();

    /// <summary>True for [N, 1], false for [N]; anything else breaks the convention.</summary>
    private static bool IsColumn(NodeMetadata node, string what)
    {
        if (node.ElementDataType != TensorElementType.Float)
            throw new InvalidDataException($"Model {what} is {node.ElementDataType}, expected float.");
        int[] dims = node.Dimensions;
        if (dims.Length == 1) return false;
        if (dims.Length == 2 && dims[1] == 1) return true;
        throw new InvalidDataException($"Model {what} has shape [{string.Join(", ", dims)}], expected [N] or [N, 1].");
    }

    public void Dispose() => session.Dispose();
}
