using Microsoft.ML.OnnxRuntime;

namespace PinnServe.Onnx.Internal;

/// <summary>Creates ONNX Runtime sessions and turns its failures into errors that say what to do.</summary>
internal static class OrtSessionFactory
{
    public const string CpuProvider = "CPUExecutionProvider";
    public const string CudaProvider = "CUDAExecutionProvider";
    /// <summary>The CUDA provider plug-in copied next to the application by a build with -p:OnnxRuntimeCuda=true.</summary>
    public const string CudaLibrary = "libonnxruntime_providers_cuda.so";

    private const string CudaHint =
        "It needs a build with -p:OnnxRuntimeCuda=true (fetches com.github.asus4.onnxruntime.linux-x64-gpu) and, on the host, " +
        "an NVIDIA driver with the CUDA 13 runtime (libcudart.so.13, cuBLAS 13) on the library path; run without --cuda to use the CPU.";

    private static readonly Lock cudaRegistration = new();
    private static bool cudaRegistered;

    public static InferenceSession Create(byte[] model, string path, OnnxModelOptions options, out string provider)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        var environment = Environment();
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads > 0) sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        provider = CpuProvider;
        if (options.UseCuda)
        {
            AppendCuda(environment, sessionOptions);
            provider = CudaProvider;
        }
        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{path}' could not be loaded by ONNX Runtime: {e.Message}", e);
        }
    }

    /// <summary>
    /// ORT 1.29's Linux build is CPU-only; CUDA comes as a plug-in execution provider library that is registered
    /// with the environment once per process and then selected by device.
    /// </summary>
    private static void AppendCuda(OrtEnv environment, SessionOptions sessionOptions)
    {
        string library = Path.Combine(AppContext.BaseDirectory, CudaLibrary);
        if (!File.Exists(library))
            throw new InvalidOperationException($"CUDA was requested but {CudaLibrary} is not next to the application. {CudaHint}");
        try
        {
            lock (cudaRegistration)
            {
                if (!cudaRegistered) environment.RegisterExecutionProviderLibrary("pinnserve-cuda", library);
                cudaRegistered = true;
            }
            var devices = environment.GetEpDevices().Where(d => d.EpName == CudaProvider).Take(1).ToList();
            if (devices.Count == 0)
                throw new InvalidOperationException($"CUDA was requested but ONNX Runtime found no CUDA device. {CudaHint}");
            sessionOptions.AppendExecutionProvider(environment, devices, new Dictionary<string, string>());
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"CUDA was requested but its execution provider could not start ({e.Message.Trim()}). {CudaHint}", e);
        }
    }

    /// <summary>The process-wide ONNX Runtime environment; fails clearly when the native library is missing.</summary>
    private static OrtEnv Environment()
    {
        try
        {
            return OrtEnv.Instance();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                "The ONNX Runtime native library (libonnxruntime.so) could not be loaded. It is fetched by building " +
                $"src/PinnServe.OnnxRuntime.Interop and copied next to the application (needs npm at build time): {e.Message}", e);
        }
    }
}
