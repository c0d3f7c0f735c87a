using System.Runtime.InteropServices;
using Google.Protobuf;
using PinnServe.Api.Inference;
using PinnServe.Server.Models;

namespace PinnServe.Server.Inference;

/// <summary>Why an inference request cannot be served: a malformed request, or one over a size limit.</summary>
internal sealed class InferenceRequestException(string message, bool tooLarge = false) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>An Open Inference Protocol request turned into the model's row-major points.</summary>
/// <param name="Points">count × inputs float32 coordinates, row-major, columns in the model's input order.</param>
/// <param name="Fields">Requested outputs, in response order.</param>
/// <param name="Datatype">"FP32" or "FP64": the inputs' type, and so the outputs'.</param>
/// <param name="Shape">The inputs' shape ([N] or [N, 1]), given to every output too.</param>
/// <param name="Raw">The inputs came in raw_input_contents, so the outputs go in raw_output_contents.</param>
internal sealed record DecodedInference(float[] Points, int Count, string[] Fields, string Datatype, long[] Shape, bool Raw);

/// <summary>
/// The tensor layout of PINN models in the Open Inference Protocol: one input tensor per coordinate, named after
/// it, and one output tensor per field, named after it; shape [N] or [N, 1]; FP32 or FP64 (FP64 coordinates are
/// rounded to FP32, the models' precision, and FP32 results widened back); typed or raw contents (raw in, raw out).
/// </summary>
internal static class InferenceTensors
{
    public const string Fp32 = "FP32";
    public const string Fp64 = "FP64";
    /// <summary>Request parameter (bool): evaluate points outside the training domain instead of refusing them.</summary>
    public const string AllowOutOfDomain = "allow_out_of_domain";
    /// <summary>Response parameter (int64): how many points lay outside the training domain.</summary>
    public const string OutOfDomainCount = "out_of_domain_count";

    public static DecodedInference Decode(ModelInferRequest request, IFieldModel model, long maxPoints)
    {
        var inputNames = model.InputNames;
        if (request.Inputs.Count == 0)
            throw new InferenceRequestException($"The request has no input tensors; model '{request.ModelName}' takes {Join(inputNames)} (one tensor each).");
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int t = 0; t < request.Inputs.Count; t++)
        {
            string name = request.Inputs[t].Name;
            if (!inputNames.Contains(name))
                throw new InferenceRequestException($"Unknown input tensor '{Echo(name)}': model '{request.ModelName}' takes {Join(inputNames)}.");
            if (!byName.TryAdd(name, t)) throw new InferenceRequestException($"Input tensor '{name}' is given twice.");
        }
        var missing = inputNames.Where(n => !byName.ContainsKey(n)).ToArray();
        if (missing.Length > 0) throw new InferenceRequestException($"Missing input tensor(s) {Join(missing)}: model '{request.ModelName}' takes {Join(inputNames)}.");

        var first = request.Inputs[0];
        string datatype = first.Datatype;
        if (datatype is not (Fp32 or Fp64))
            throw new InferenceRequestException($"Input '{first.Name}' has datatype '{Echo(datatype)}'; this model takes FP32 or FP64.");
        long count = PointCount(first, maxPoints);
        foreach (var tensor in request.Inputs)
        {
            if (tensor.Datatype != datatype)
                throw new InferenceRequestException($"Input '{tensor.Name}' is {Echo(tensor.Datatype)} but '{first.Name}' is {datatype}: give every input the same datatype.");
            if (!tensor.Shape.SequenceEqual(first.Shape))
                throw new InferenceRequestException($"Input '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}] but '{first.Name}' has [{string.Join(", ", first.Shape)}]: every input has one value per point.");
        }

        bool raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
            throw new InferenceRequestException($"raw_input_contents has {request.RawInputContents.Count} entries for {request.Inputs.Count} inputs; give one per input, in the order of 'inputs'.");
        int n = (int)count, dims = inputNames.Count;
        var points = new float[n * dims];
        for (int d = 0; d < dims; d++)
        {
            int t = byName[inputNames[d]];
            var tensor = request.Inputs[t];
            if (raw) ReadRaw(tensor, request.RawInputContents[t], datatype, n, points, d, dims);
            else ReadTyped(tensor, datatype, n, points, d, dims);
        }

        var fields = RequestedOutputs(request, model);
        return new DecodedInference(points, n, fields, datatype, first.Shape.ToArray(), raw);
    }

    /// <summary>The response for <paramref name="values"/> (count × fields, row-major, as the model writes them).</summary>
    public static ModelInferResponse Encode(ModelInferRequest request, DecodedInference decoded, float[] values, string modelVersion, int outOfDomain)
    {
        var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = modelVersion, Id = request.Id };
        if (outOfDomain > 0) response.Parameters[OutOfDomainCount] = new InferParameter { Int64Param = outOfDomain };
        int n = decoded.Count, width = decoded.Fields.Length;
        for (int f = 0; f < width; f++)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = decoded.Fields[f], Datatype = decoded.Datatype };
            tensor.Shape.AddRange(decoded.Shape);
            if (decoded.Raw)
            {
                // Straight into the bytes that go on the wire: no column array, no second copy.
                bool single = decoded.Datatype == Fp32;
                var bytes = new byte[(long)n * (single ? sizeof(float) : sizeof(double))];
                if (single)
                {
                    var column = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
                    for (int i = 0; i < n; i++) column[i] = values[i * width + f];
                }
                else
                {
                    var column = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
                    for (int i = 0; i < n; i++) column[i] = values[i * width + f];
                }
                response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
            }
            else if (decoded.Datatype == Fp32)
            {
                var column = new float[n];
                for (int i = 0; i < n; i++) column[i] = values[i * width + f];
                (tensor.Contents = new InferTensorContents()).Fp32Contents.AddRange(column);
            }
            else
            {
                var column = new double[n];
                for (int i = 0; i < n; i++) column[i] = values[i * width + f];
                (tensor.Contents = new InferTensorContents()).Fp64Contents.AddRange(column);
            }
            response.Outputs.Add(tensor);
        }
        return response;
    }

    /// <summary>Whether the request asks for out-of-domain points to be evaluated (bool parameter, or the string "true").</summary>
    public static bool AllowsOutOfDomain(ModelInferRequest request) =>
        request.Parameters.TryGetValue(AllowOutOfDomain, out var p) && (p.BoolParam || string.Equals(p.StringParam, "true", StringComparison.OrdinalIgnoreCase));

    private static long PointCount(ModelInferRequest.Types.InferInputTensor tensor, long maxPoints)
    {
        var shape = tensor.Shape;
        bool valid = shape.Count == 1 || (shape.Count == 2 && shape[1] == 1);
        if (!valid || shape[0] < 1)
            throw new InferenceRequestException($"Input '{tensor.Name}' has shape [{string.Join(", ", shape)}]; expected [N] or [N, 1] with N >= 1 points.");
        if (shape[0] > maxPoints)
            throw new InferenceRequestException($"The request has {shape[0]} points, more than the {maxPoints} allowed per ModelInfer call; split it, or use pinnserve.v1 QueryStream.", tooLarge: true);
        return shape[0];
    }

    private static void ReadRaw(ModelInferRequest.Types.InferInputTensor tensor, ByteString bytes, string datatype, int n, float[] points, int column, int dims)
    {
        if (tensor.Contents is not null)
            throw new InferenceRequestException($"Input '{tensor.Name}' has typed contents although raw_input_contents is used; use one or the other for all inputs.");
        int size = datatype == Fp32 ? sizeof(float) : sizeof(double);
        if (bytes.Length != (long)n * size)
            throw new InferenceRequestException($"raw_input_contents of '{tensor.Name}' has {bytes.Length} bytes; {n} {datatype} values need {(long)n * size}.");
        if (datatype == Fp32)
        {
            var values = MemoryMarshal.Cast<byte, float>(bytes.Span);
            for (int i = 0; i < n; i++) points[i * dims + column] = values[i];
        }
        else
        {
            var values = MemoryMarshal.Cast<byte, double>(bytes.Span);
            for (int i = 0; i < n; i++) points[i * dims + column] = (float)values[i];
        }
    }

    private static void ReadTyped(ModelInferRequest.Types.InferInputTensor tensor, string datatype, int n, float[] points, int column, int dims)
    {
        var contents = tensor.Contents;
        int given = contents is null ? 0 : datatype == Fp32 ? contents.Fp32Contents.Count : contents.Fp64Contents.Count;
        string field = datatype == Fp32 ? "fp32_contents" : "fp64_contents";
        if (given != n)
            throw new InferenceRequestException($"Input '{tensor.Name}' has {given} values in contents.{field}; its shape [{string.Join(", ", tensor.Shape)}] needs {n}.");
        if (datatype == Fp32)
            for (int i = 0; i < n; i++) points[i * dims + column] = contents!.Fp32Contents[i];
        else
            for (int i = 0; i < n; i++) points[i * dims + column] = (float)contents!.Fp64Contents[i];
    }

    private static string[] RequestedOutputs(ModelInferRequest request, IFieldModel model)
    {
        if (request.Outputs.Count == 0) return model.FieldNames.ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in request.Outputs)
        {
            if (!model.FieldNames.Contains(output.Name))
                throw new InferenceRequestException($"Unknown output '{Echo(output.Name)}': model '{request.ModelName}' has {Join(model.FieldNames)}.");
            if (!seen.Add(output.Name)) throw new InferenceRequestException($"Output '{output.Name}' is requested twice.");
        }
        return request.Outputs.Select(o => o.Name).ToArray();
    }

    private static string Join(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string Echo(string text) => Services.RpcErrors.Echo(text);
}
