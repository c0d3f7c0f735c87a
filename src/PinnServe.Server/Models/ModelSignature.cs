namespace PinnServe.Server.Models;

/// <summary>
/// The inputs and outputs a model serves, in order (the column order of pinnserve.v1 points and values). A new version
/// or a replaced file must keep the signature that clients already use, as Triton checks a model against its
/// configuration; otherwise it is refused and what served before keeps serving.
/// </summary>
internal sealed record ModelSignature(IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs)
{
    public static ModelSignature Of(IFieldModel model) => new(model.InputNames.ToArray(), model.FieldNames.ToArray());

    /// <summary>Why <paramref name="model"/> does not match this signature, or null when it does.</summary>
    public string? Mismatch(IFieldModel model, string what)
    {
        if (model.InputNames.SequenceEqual(Inputs) && model.FieldNames.SequenceEqual(Outputs)) return null;
        return $"its inputs ({string.Join(", ", model.InputNames)}) and outputs ({string.Join(", ", model.FieldNames)}) differ from {what}: "
            + $"inputs ({string.Join(", ", Inputs)}), outputs ({string.Join(", ", Outputs)})";
    }

    /// <summary>Why <paramref name="model"/> does not declare what a config.pbtxt lists (any order), or null.</summary>
    public static string? ConfigMismatch(IFieldModel model, TritonModelConfig config)
    {
        if (config.Inputs is { } inputs && !inputs.Order(StringComparer.Ordinal).SequenceEqual(model.InputNames.Order(StringComparer.Ordinal)))
            return $"its inputs ({string.Join(", ", model.InputNames)}) are not the inputs of {TritonModelConfig.FileName} ({string.Join(", ", inputs)})";
        if (config.Outputs is { } outputs && !outputs.Order(StringComparer.Ordinal).SequenceEqual(model.FieldNames.Order(StringComparer.Ordinal)))
            return $"its outputs ({string.Join(", ", model.FieldNames)}) are not the outputs of {TritonModelConfig.FileName} ({string.Join(", ", outputs)})";
        return null;
    }
}
