using PinnServe.Api.Inference;
using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Server.Inference;

/// <summary>
/// A served model as Triton's ModelConfig: the batch dimension is the points (max_batch_size = the points one call
/// may carry), each coordinate an FP32 input of dims [1] and each field an FP32 output of dims [1], so a request's
/// tensors are [N, 1] (the Open Inference Protocol's [N] is accepted too).
/// </summary>
internal static class ModelConfigs
{
    public static ModelConfig Describe(ModelEntry entry, IFieldModel model, int maxPoints, BatchingOptions batching)
    {
        var config = new ModelConfig
        {
            Name = entry.Name,
            Platform = OpenInference.Platform,
            Backend = OpenInference.Backend,
            MaxBatchSize = maxPoints,
            VersionPolicy = ToTriton(entry.Policy),
            DefaultModelFilename = Path.GetFileName(entry.FilePath),
        };
        config.Input.AddRange(model.InputNames.Select(n => new ModelInput { Name = n, DataType = DataType.TypeFp32, Dims = { 1 } }));
        config.Output.AddRange(model.FieldNames.Select(n => new ModelOutput { Name = n, DataType = DataType.TypeFp32, Dims = { 1 } }));
        if (batching.Enabled)
            config.DynamicBatching = new ModelDynamicBatching { MaxQueueDelayMicroseconds = (ulong)batching.MaxDelay.TotalMicroseconds };
        return config;
    }

    public static ModelVersionPolicy ToTriton(VersionPolicy policy)
    {
        if (policy.LatestCount is { } n) return new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)n } };
        if (policy.SpecificVersions is { } versions) return new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { versions } } };
        return new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() };
    }
}
