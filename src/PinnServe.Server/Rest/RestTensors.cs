using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using PinnServe.Api.Inference;
using PinnServe.Server.Inference;

namespace PinnServe.Server.Rest;

/// <summary>A REST request that cannot be turned into an inference request: answered 400 with the message.</summary>
internal sealed class RestRequestException(string message) : Exception(message);

/// <summary>
/// The Open Inference Protocol's JSON tensors and Triton's binary-tensor extension, turned into the gRPC messages
/// (so REST and gRPC share one decoder, one evaluation and one set of errors) and back. Binary inputs follow the JSON
/// header (its length in the Inference-Header-Content-Length header), one after the other, each sized by its
/// <c>binary_data_size</c> parameter; binary outputs are asked for per output (<c>binary_data</c>) or for all
/// (<c>binary_data_output</c>).
/// </summary>
internal static class RestTensors
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";
    public const string BinaryDataSize = "binary_data_size";
    public const string BinaryData = "binary_data";
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>The request of <paramref name="body"/> (JSON, then the binary section when <paramref name="headerLength"/> is given).</summary>
    public static (ModelInferRequest Request, bool[] BinaryOutputs, bool AllBinary) ReadInferRequest(ReadOnlyMemory<byte> body, int? headerLength, string model, string version)
    {
        if (headerLength is { } length && (length < 0 || length > body.Length))
            throw new RestRequestException($"{HeaderLengthHeader} is {length} but the body has {body.Length} bytes.");
        var json = body[..(headerLength ?? body.Length)];
        var binary = body[(headerLength ?? body.Length)..];
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new RestRequestException($"The request body is not valid JSON: {e.Message}"); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RestRequestException("The request body must be a JSON object with 'inputs'.");
            var request = new ModelInferRequest { ModelName = model, ModelVersion = version };
            if (root.TryGetProperty("id", out var id)) request.Id = id.ValueKind == JsonValueKind.String ? id.GetString()! : throw new RestRequestException("'id' must be a string.");
            ReadParameters(root, request.Parameters, "the request");
            if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
                throw new RestRequestException("The request has no 'inputs' array.");
            int offset = 0;
            foreach (var input in inputs.EnumerateArray()) request.Inputs.Add(ReadInput(input, binary, ref offset));
            if (offset != binary.Length)
                throw new RestRequestException($"The binary section has {binary.Length} bytes but the inputs' {BinaryDataSize} add up to {offset}.");
            bool allBinary = request.Parameters.TryGetValue(BinaryDataOutput, out var all) && all.BoolParam;
            request.Parameters.Remove(BinaryDataOutput);
            var binaryOutputs = new List<bool>();
            if (root.TryGetProperty("outputs", out var outputs))
            {
                if (outputs.ValueKind != JsonValueKind.Array) throw new RestRequestException("'outputs' must be an array.");
                foreach (var output in outputs.EnumerateArray())
                {
                    var requested = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = Name(output, "an output") };
                    ReadParameters(output, requested.Parameters, $"output '{requested.Name}'");
                    binaryOutputs.Add(requested.Parameters.TryGetValue(BinaryData, out var b) && b.BoolParam);
                    requested.Parameters.Remove(BinaryData);
                    request.Outputs.Add(requested);
                }
            }
            return (request, binaryOutputs.ToArray(), allBinary);
        }
    }

    private static ModelInferRequest.Types.InferInputTensor ReadInput(JsonElement input, ReadOnlyMemory<byte> binary, ref int offset)
    {
        if (input.ValueKind != JsonValueKind.Object) throw new RestRequestException("Each input must be a JSON object.");
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = Name(input, "an input") };
        string what = $"input '{Services.RpcErrors.Echo(tensor.Name)}'";
        tensor.Datatype = input.TryGetProperty("datatype", out var datatype) && datatype.ValueKind == JsonValueKind.String
            ? datatype.GetString()! : throw new RestRequestException($"The {what} has no 'datatype'.");
        if (!input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
            throw new RestRequestException($"The {what} has no 'shape' array.");
        foreach (var dim in shape.EnumerateArray())
            tensor.Shape.Add(dim.ValueKind == JsonValueKind.Number && dim.TryGetInt64(out long d) ? d : throw new RestRequestException($"The shape of {what} must hold whole numbers."));
        ReadParameters(input, tensor.Parameters, what);
        bool single = tensor.Datatype == InferenceTensors.Fp32, typed = single || tensor.Datatype == InferenceTensors.Fp64;
        if (tensor.Parameters.Remove(BinaryDataSize, out var size))
        {
            if (input.TryGetProperty("data", out _)) throw new RestRequestException($"The {what} has both 'data' and {BinaryDataSize}; give one.");
            long bytes = size.Int64Param;
            if (bytes < 0 || bytes > binary.Length - offset)
                throw new RestRequestException($"The {what} has {BinaryDataSize} {bytes} but only {binary.Length - offset} binary bytes are left.");
            var slice = binary.Span.Slice(offset, (int)bytes);
            offset += (int)bytes;
            if (!typed) return tensor; // the decoder names the unsupported datatype
            int element = single ? sizeof(float) : sizeof(double);
            if (bytes % element != 0) throw new RestRequestException($"The {what} has {bytes} binary bytes: not a whole number of {tensor.Datatype} values.");
            tensor.Contents = new InferTensorContents();
            if (single) tensor.Contents.Fp32Contents.AddRange(MemoryMarshal.Cast<byte, float>(slice).ToArray());
            else tensor.Contents.Fp64Contents.AddRange(MemoryMarshal.Cast<byte, double>(slice).ToArray());
            return tensor;
        }
        if (!input.TryGetProperty("data", out var data)) throw new RestRequestException($"The {what} has no 'data' (or {BinaryDataSize} parameter).");
        if (!typed) return tensor;
        var values = new List<double>();
        Flatten(data, values, what);
        tensor.Contents = new InferTensorContents();
        if (single) tensor.Contents.Fp32Contents.AddRange(values.Select(v => (float)v));
        else tensor.Contents.Fp64Contents.AddRange(values);
        return tensor;
    }

    /// <summary>Row-major data, flat or nested as the shape (the protocol allows both).</summary>
    private static void Flatten(JsonElement data, List<double> values, string what)
    {
        switch (data.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in data.EnumerateArray()) Flatten(item, values, what);
                break;
            case JsonValueKind.Number:
                values.Add(data.GetDouble());
                break;
            default:
                throw new RestRequestException($"The data of {what} holds {data.ValueKind.ToString().ToLowerInvariant()} where a number belongs.");
        }
    }

    private static string Name(JsonElement tensor, string what) =>
        tensor.ValueKind == JsonValueKind.Object && tensor.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()! : throw new RestRequestException($"{char.ToUpperInvariant(what[0])}{what[1..]} has no 'name'.");

    private static void ReadParameters(JsonElement owner, Google.Protobuf.Collections.MapField<string, InferParameter> parameters, string what)
    {
        if (!owner.TryGetProperty("parameters", out var json)) return;
        if (json.ValueKind != JsonValueKind.Object) throw new RestRequestException($"The parameters of {what} must be a JSON object.");
        foreach (var property in json.EnumerateObject())
        {
            var value = property.Value;
            parameters[property.Name] = value.ValueKind switch
            {
                JsonValueKind.True or JsonValueKind.False => new InferParameter { BoolParam = value.GetBoolean() },
                JsonValueKind.String => new InferParameter { StringParam = value.GetString()! },
                JsonValueKind.Number when value.TryGetInt64(out long integer) => new InferParameter { Int64Param = integer },
                JsonValueKind.Number => new InferParameter { DoubleParam = value.GetDouble() },
                _ => throw new RestRequestException($"Parameter '{Services.RpcErrors.Echo(property.Name)}' of {what} must be a boolean, number or string."),
            };
        }
    }

    /// <summary>The response as the JSON header and the binary section (empty when no output is binary).</summary>
    public static (byte[] Json, List<ReadOnlyMemory<byte>> Binary) WriteInferResponse(ModelInferResponse response, bool[] binaryOutputs, bool allBinary)
    {
        var binary = new List<ReadOnlyMemory<byte>>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model_name", response.ModelName);
            json.WriteString("model_version", response.ModelVersion);
            if (response.Id.Length > 0) json.WriteString("id", response.Id);
            if (response.Parameters.Count > 0)
            {
                json.WriteStartObject("parameters");
                foreach (var (key, value) in response.Parameters) WriteParameter(json, key, value);
                json.WriteEndObject();
            }
            json.WriteStartArray("outputs");
            for (int i = 0; i < response.Outputs.Count; i++)
            {
                var output = response.Outputs[i];
                json.WriteStartObject();
                json.WriteString("name", output.Name);
                json.WriteString("datatype", output.Datatype);
                json.WriteStartArray("shape");
                foreach (long d in output.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                if (allBinary || (i < binaryOutputs.Length && binaryOutputs[i]))
                {
                    var bytes = output.Datatype == InferenceTensors.Fp32
                        ? MemoryMarshal.AsBytes(output.Contents.Fp32Contents.ToArray().AsSpan()).ToArray()
                        : MemoryMarshal.AsBytes(output.Contents.Fp64Contents.ToArray().AsSpan()).ToArray();
                    binary.Add(bytes);
                    json.WriteStartObject("parameters");
                    json.WriteNumber(BinaryDataSize, bytes.Length);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteStartArray("data");
                    // JSON has no NaN or infinity: such a value goes out as null.
                    if (output.Datatype == InferenceTensors.Fp32)
                        foreach (float v in output.Contents.Fp32Contents) { if (float.IsFinite(v)) json.WriteNumberValue(v); else json.WriteNullValue(); }
                    else
                        foreach (double v in output.Contents.Fp64Contents) { if (double.IsFinite(v)) json.WriteNumberValue(v); else json.WriteNullValue(); }
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return (buffer.ToArray(), binary);
    }

    private static void WriteParameter(Utf8JsonWriter json, string key, InferParameter value)
    {
        switch (value.ParameterChoiceCase)
        {
            case InferParameter.ParameterChoiceOneofCase.BoolParam: json.WriteBoolean(key, value.BoolParam); break;
            case InferParameter.ParameterChoiceOneofCase.Int64Param: json.WriteNumber(key, value.Int64Param); break;
            case InferParameter.ParameterChoiceOneofCase.Uint64Param: json.WriteNumber(key, value.Uint64Param); break;
            case InferParameter.ParameterChoiceOneofCase.DoubleParam: json.WriteNumber(key, value.DoubleParam); break;
            default: json.WriteString(key, value.StringParam); break;
        }
    }
}
