using Google.Protobuf;
using PinnServe.Onnx.Schema;

namespace PinnServe.Onnx.Internal;

/// <summary>Reads and checks the protobuf envelope of an ONNX file before ONNX Runtime sees it.</summary>
internal static class OnnxModelFile
{
    /// <summary>Parses the model and returns its metadata_props; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(byte[] bytes, string path)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{path}' is not an ONNX model (protobuf parse failed: {e.Message}).", e);
        }
        // Arbitrary bytes sometimes parse as a protobuf with only unknown fields: require the essentials.
        if (!model.HasIrVersion || model.IrVersion <= 0)
            throw new InvalidDataException($"'{path}' is not an ONNX model: it has no ir_version.");
        if (model.Graph is null)
            throw new InvalidDataException($"'{path}' is not an ONNX model: it has no graph.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps) metadata[entry.Key] = entry.Value;
        return metadata;
    }
}
