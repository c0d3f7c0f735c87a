using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PinnServe.Contracts;

namespace PinnServe.Training;

/// <summary>
/// Everything needed to continue a run bit-for-bit: parameters, Adam moments, loss-weight state, the sampling RNG,
/// keep-best and causal state, and the L-BFGS phase's curvature history. Arrays are stored as base64 of their raw
/// little-endian bytes so values round-trip exactly.
/// </summary>
/// <remarks>
/// On disk (<see cref="Save"/>) the checkpoint is an envelope <c>{"format": "pinnserve-checkpoint", "version": 2,
/// "sha256": "…", "payload": {…}}</c> whose SHA-256 covers the payload's exact UTF-8 text, so a flipped byte that
/// still parses (inside a base64 string, say) is detected. Checkpoints written before the envelope (a bare payload)
/// still load, without that check.
/// </remarks>
public sealed record Checkpoint
{
    public const string Format = "pinnserve-checkpoint";
    public const int Version = 2;

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
    /// <summary>The L-BFGS phase's lowest held-out loss so far and its parameters (only with <see cref="TrainingRecipe.LbfgsKeepBest"/>).</summary>
    public int? LbfgsBestStep { get; init; }
    public double? LbfgsBestLoss { get; init; }
    public string? LbfgsBestParameters { get; init; }
    /// <summary>The causal weights the next step applies (only with <see cref="TrainingRecipe.CausalChunks"/>).</summary>
    public double[]? CausalWeights { get; init; }
    /// <summary>The Adam phase's lowest held-out loss so far, its step and parameters, and the last measurement (only with <see cref="TrainingRecipe.AdamKeepBest"/>).</summary>
    public int? AdamBestStep { get; init; }
    public double? AdamBestLoss { get; init; }
    public string? AdamBestParameters { get; init; }
    public int? AdamLastHeldOutStep { get; init; }
    public double? AdamLastHeldOutLoss { get; init; }
    /// <summary>The L-BFGS phase's optimizer and sampling state, once the phase has started (absent in older checkpoints: the phase then restarts its history).</summary>
    public LbfgsCheckpoint? Lbfgs { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Encode<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        Convert.ToBase64String(MemoryMarshal.AsBytes(values));

    public static T[] Decode<T>(string base64) where T : unmanaged
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(base64); }
        catch (FormatException) { throw new InvalidDataException("Checkpoint array is not valid base64."); }
        if (bytes.Length % System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != 0) throw new InvalidDataException("Checkpoint array has a partial element.");
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    /// <summary>The on-disk text: the envelope with the payload's SHA-256.</summary>
    public string ToFileText()
    {
        string payload = JsonSerializer.Serialize(this, Json);
        return $"{{\n\"format\": \"{Format}\",\n\"version\": {Version},\n\"sha256\": \"{Sha256(payload)}\",\n\"payload\": {payload}\n}}\n";
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToFileText());

    /// <summary>Reads and checks a checkpoint; errors name the file as <paramref name="displayName"/> (default: the file's name, never a full path).</summary>
    public static Checkpoint Load(string path, string? displayName = null)
    {
        string name = displayName ?? Path.GetFileName(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { throw new InvalidDataException($"Checkpoint {name} does not exist."); }
        return Parse(text, name);
    }

    /// <summary>Parses a checkpoint file's text, checks its checksum and its values (<see cref="Check"/>).</summary>
    public static Checkpoint Parse(string text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"Checkpoint {name} is empty.");
        Checkpoint? checkpoint;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"Checkpoint {name} is corrupt: not a JSON object.");
            if (root.TryGetProperty("format", out var format))
            {
                if (format.ValueKind != JsonValueKind.String || format.GetString() != Format)
                    throw new InvalidDataException($"Checkpoint {name} is corrupt: format is not '{Format}'.");
                if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v != Version)
                    throw new InvalidDataException($"Checkpoint {name} has a version this PinnServe does not read (it reads version {Version}).");
                if (!root.TryGetProperty("sha256", out var sum) || sum.ValueKind != JsonValueKind.String || !root.TryGetProperty("payload", out var payload))
                    throw new InvalidDataException($"Checkpoint {name} is corrupt: no checksum or payload.");
                string raw = payload.GetRawText();
                if (!string.Equals(Sha256(raw), sum.GetString(), StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException($"Checkpoint {name} is corrupt: its SHA-256 checksum does not match its content.");
                checkpoint = payload.Deserialize<Checkpoint>(Json);
            }
            else checkpoint = root.Deserialize<Checkpoint>(Json);  // written before the envelope: no checksum to check
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint {name} is corrupt: {e.Message}");
        }
        if (checkpoint is null) throw new InvalidDataException($"Checkpoint {name} is empty.");
        checkpoint.Check(name);
        return checkpoint;
    }

    /// <summary>Values no training writes (a negative step, a missing array, an RNG state of the wrong size) are refused.</summary>
    public void Check(string name)
    {
        string? problem =
            Precision is not ("float32" or "float64") ? $"precision '{Precision}' is neither float32 nor float64" :
            Step < 0 ? $"step {Step} is negative" :
            AdamStep < 0 || AdamStep > Step ? $"Adam step {AdamStep} is not within 0..{Step}" :
            WeightUpdates < 0 ? $"weight updates {WeightUpdates} is negative" :
            Parameters is null || AdamM is null || AdamV is null || WeightsRaw is null || WeightsCurrent is null ? "an array is missing" :
            WeightsRaw.Length != WeightsCurrent.Length ? "the raw and current weights differ in length" :
            RngState is null || RngState.Length != 6 ? "the RNG state does not have 6 words" :
            LbfgsBestStep is < 0 || AdamBestStep is < 0 ? "a kept-best step is negative" :
            Lbfgs is { } l && (l.Pairs < 0 || l.Drawn < 0 || l.Evaluations < 0) ? "the L-BFGS state has a negative count" :
            null;
        if (problem is not null) throw new InvalidDataException($"Checkpoint {name} is invalid: {problem}.");
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>
/// The L-BFGS phase in a checkpoint: the optimizer's curvature pairs (oldest first, float64), ρ, the gradient and loss at
/// the current iterate, and the phase's point set, stall step, evaluation count and last step length.
/// </summary>
public sealed record LbfgsCheckpoint
{
    public required int Pairs { get; init; }
    public required string S { get; init; }
    public required string Y { get; init; }
    public required string Rho { get; init; }
    public required string Gradient { get; init; }
    /// <summary>The loss at the current iterate; null before the phase evaluated it.</summary>
    public double? Loss { get; init; }
    public required int Drawn { get; init; }
    public int? StalledAt { get; init; }
    public required long Evaluations { get; init; }
    public required double LastStepLength { get; init; }
}
