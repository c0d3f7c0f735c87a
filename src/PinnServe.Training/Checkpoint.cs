using System.Runtime.InteropServices;
using System.Text.Json;
using PinnServe.Contracts;

namespace PinnServe.Training;

/// <summary>
/// Everything needed to continue a run bit-for-bit: parameters, Adam moments, loss-weight state and the
/// sampling RNG. Arrays are stored as base64 of their raw little-endian bytes so values round-trip exactly.
/// </summary>
public sealed record Checkpoint
{
    public required string Precision { get; init; }
    public required int Step { get; init; }
    public required string Parameters { get; init; }
    public required int AdamStep { get; init; }
    public required string AdamM { get; init; }
    public required string AdamV { get; init; }
    public required double[] WeightsRaw { get; init; }
    public required double[] WeightsCurrent { get; init; }
    public required int WeightUpdates { get; init; }
    public required ulong[] RngState { get; init; }
    /// <summary>The L-BFGS phase's lowest held-out loss so far and its parameters (only with <see cref="TrainingConfig.LbfgsKeepBest"/>).</summary>
    public int? LbfgsBestStep { get; init; }
    public double? LbfgsBestLoss { get; init; }
    public string? LbfgsBestParameters { get; init; }
    /// <summary>The causal weights the next step applies (only with <see cref="TrainingConfig.CausalChunks"/>).</summary>
    public double[]? CausalWeights { get; init; }
    /// <summary>The Adam phase's lowest held-out loss so far, its step and parameters, and the last measurement (only with <see cref="TrainingConfig.AdamKeepBest"/>).</summary>
    public int? AdamBestStep { get; init; }
    public double? AdamBestLoss { get; init; }
    public string? AdamBestParameters { get; init; }
    public int? AdamLastHeldOutStep { get; init; }
    public double? AdamLastHeldOutLoss { get; init; }

    public static string Encode<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        Convert.ToBase64String(MemoryMarshal.AsBytes(values));

    public static T[] Decode<T>(string base64) where T : unmanaged
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length % System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != 0) throw new InvalidDataException("Checkpoint array has a partial element.");
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, TrainingConfig.Json));

    public static Checkpoint Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path), TrainingConfig.Json)
                   ?? throw new InvalidDataException($"Checkpoint '{path}' is empty.");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is corrupt: {e.Message}", e);
        }
    }
}
