using System.Globalization;

namespace PinnServe.Server.Models;

/// <summary>
/// What PinnServe takes from a Triton <c>NAME/config.pbtxt</c>: the version policy, max_batch_size (the most points
/// per inference call) and the declared inputs and outputs (a version must match them to be served). Every other
/// field is refused with a message naming it, so a configuration is never half-applied in silence.
/// </summary>
internal sealed record TritonModelConfig(int? MaxBatchSize, VersionPolicy? Policy, IReadOnlyList<string>? Inputs, IReadOnlyList<string>? Outputs)
{
    public const string FileName = "config.pbtxt";

    /// <summary>Fields read (the others are refused).</summary>
    public static readonly string[] Supported =
        ["name", "platform", "backend", "max_batch_size", "version_policy", "input", "output", "default_model_filename", "dynamic_batching"];

    /// <summary>Reads <paramref name="text"/> of model <paramref name="model"/>; <see cref="FormatException"/> says what is refused and why.</summary>
    public static TritonModelConfig Parse(string text, string model)
    {
        int? maxBatchSize = null;
        VersionPolicy? policy = null;
        List<string>? inputs = null, outputs = null;
        IReadOnlyList<TextField> fields;
        try { fields = ProtoText.Parse(text); }
        catch (FormatException e) { throw new FormatException($"{FileName} {e.Message}."); }
        foreach (var field in fields)
        {
            switch (field.Name)
            {
                case "name":
                    if (Scalar(field) != model) throw Refused(field, $"name '{Scalar(field)}' differs from the model directory '{model}'");
                    break;
                case "platform":
                    if (Scalar(field) != "onnxruntime_onnx") throw Refused(field, $"platform '{Scalar(field)}' is not served; PinnServe serves onnxruntime_onnx");
                    break;
                case "backend":
                    if (Scalar(field) != "onnxruntime") throw Refused(field, $"backend '{Scalar(field)}' is not served; PinnServe serves onnxruntime");
                    break;
                case "max_batch_size":
                    if (!int.TryParse(Scalar(field), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
                        throw Refused(field, $"max_batch_size '{Scalar(field)}' is not a whole number >= 0");
                    maxBatchSize = size;
                    break;
                case "version_policy":
                    policy = ReadPolicy(field);
                    break;
                case "input":
                    (inputs ??= []).Add(ReadTensor(field));
                    break;
                case "output":
                    (outputs ??= []).Add(ReadTensor(field));
                    break;
                case "default_model_filename":
                    if (Scalar(field) != ModelSources.VersionedFileName) throw Refused(field, $"default_model_filename must be '{ModelSources.VersionedFileName}'");
                    break;
                case "dynamic_batching":
                    if (field.Message is not { Count: 0 })
                        throw Refused(field, "dynamic_batching is accepted only empty: PinnServe always batches small calls, tuned per server (pinn serve --batch-delay, --batch-max-points)");
                    break;
                default:
                    throw Refused(field, $"'{field.Name}' is not supported by PinnServe (it reads {string.Join(", ", Supported)})");
            }
        }
        return new TritonModelConfig(maxBatchSize, policy, inputs, outputs);
    }

    private static VersionPolicy ReadPolicy(TextField field)
    {
        if (field.Message is not [var choice]) throw Refused(field, "version_policy needs exactly one of latest, all, specific");
        var parts = choice.Message ?? throw Refused(choice, $"version_policy {choice.Name} must be a message");
        switch (choice.Name)
        {
            case "all" when parts.Count == 0:
                return VersionPolicy.All;
            case "latest" when parts is [{ Name: "num_versions" } n]:
                return int.TryParse(Scalar(n), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1
                    ? VersionPolicy.LatestN(count)
                    : throw Refused(n, "num_versions must be a whole number >= 1");
            case "specific" when parts.Count > 0 && parts.All(p => p.Name == "versions"):
                return VersionPolicy.SpecificOf(parts.Select(p => VersionPolicy.TryParseVersion(Scalar(p), out long v)
                    ? v : throw Refused(p, $"version '{Scalar(p)}' is not a positive whole number")));
            default:
                throw Refused(choice, "version_policy is latest { num_versions: N }, all { } or specific { versions: [...] }");
        }
    }

    /// <summary>An input or output: a name, FP32 or FP64, one value per point (dims [1] or [-1]).</summary>
    private static string ReadTensor(TextField field)
    {
        string? name = null;
        foreach (var part in field.Message ?? throw Refused(field, $"{field.Name} must be a message"))
        {
            switch (part.Name)
            {
                case "name": name = Scalar(part); break;
                case "data_type" when Scalar(part) is "TYPE_FP32" or "TYPE_FP64": break;
                case "data_type": throw Refused(part, $"data_type {Scalar(part)} is not served; PINN coordinates and fields are TYPE_FP32 (or TYPE_FP64)");
                case "dims" when Scalar(part) is "1" or "-1": break;
                case "dims": throw Refused(part, "dims must be [1] or [-1]: one value per point");
                default: throw Refused(part, $"{field.Name}.{part.Name} is not supported (name, data_type, dims)");
            }
        }
        return name ?? throw Refused(field, $"an {field.Name} has no name");
    }

    private static string Scalar(TextField field) => field.Scalar ?? throw Refused(field, $"'{field.Name}' must be a value, not a message");

    private static FormatException Refused(TextField field, string reason) => new($"{FileName} line {field.Line}: {reason}.");
}
