namespace PinnServe.Onnx;

/// <summary>Where ONNX Runtime evaluates a model.</summary>
public enum OnnxDevice
{
    /// <summary>ONNX Runtime's CPU execution provider (always available).</summary>
    Cpu,
    /// <summary>The CUDA execution provider: needs a build with <c>-p:PinnServeCuda=true</c> and CUDA 13 + cuDNN 9 on the host.</summary>
    Cuda,
}

/// <summary>Parsing and availability of <see cref="OnnxDevice"/>s.</summary>
public static class OnnxDevices
{
    /// <summary>"cpu" or "cuda" (any case); anything else is an <see cref="ArgumentException"/> naming the value.</summary>
    public static OnnxDevice Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "cpu" => OnnxDevice.Cpu,
        "cuda" or "gpu" => OnnxDevice.Cuda,
        _ => throw new ArgumentException($"Unknown device '{(value.Length > 40 ? value[..40] + "…" : value)}': use cpu or cuda."),
    };

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> naming what is missing when <paramref name="device"/> cannot
    /// run here: the CUDA build of ONNX Runtime, or a CUDA/cuDNN library on the host. Cheap for the CPU.
    /// </summary>
    public static void EnsureAvailable(OnnxDevice device) => Internal.OrtSessionFactory.EnsureAvailable(device);
}
