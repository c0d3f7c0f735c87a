using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace PinnServe.Onnx.Internal;

/// <summary>Creates ONNX Runtime sessions and turns its failures into errors that say what to do.</summary>
internal static class OrtSessionFactory
{
    public const string CpuProvider = "CPUExecutionProvider";
    public const string CudaProvider = "CUDAExecutionProvider";
    public const string CudaProviderLibrary = "libonnxruntime_providers_cuda.so";

    /// <summary>
    /// What Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31's CUDA provider loads: its ELF dependencies (readelf -d:
    /// driver, CUDA 13 runtime, cuBLAS/cuBLASLt, cuRAND) and cuDNN 9, which it opens at run time. Checked up front
    /// so that one message names every missing library rather than the first one dlopen meets.
    /// </summary>
    private static readonly string[] CudaHostLibraries =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    private const string CpuOnlyBuild =
        "CUDA was requested, but this build of PinnServe has ONNX Runtime's CPU package only. " +
        "Rebuild with `dotnet build src/PinnServe.Cli -c Release -p:PinnServeCuda=true` (adds Microsoft.ML.OnnxRuntime.Gpu.Linux, ~280 MB), " +
        "or use --device cpu.";

    private static readonly Lock availabilityLock = new();
    private static string? cudaProblem;
    private static bool cudaChecked;

    public static InferenceSession Create(byte[] model, string path, OnnxModelOptions options, out string provider)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads);
        EnsureAvailable(options.Device);
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads > 0) sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        provider = CpuProvider;
        if (options.Device == OnnxDevice.Cuda)
        {
            AppendCuda(sessionOptions);
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

    public static void EnsureAvailable(OnnxDevice device)
    {
        var environment = Environment();
        if (device == OnnxDevice.Cpu) return;
        lock (availabilityLock)
        {
            if (!cudaChecked)
            {
                cudaProblem = FindCudaProblem(environment);
                cudaChecked = true;
            }
        }
        if (cudaProblem is not null) throw new InvalidOperationException(cudaProblem);
    }

    /// <summary>Null when CUDA sessions can be created; otherwise what is missing, by library name.</summary>
    private static string? FindCudaProblem(OrtEnv environment)
    {
        if (!environment.GetAvailableProviders().Contains(CudaProvider)) return CpuOnlyBuild;
        var missing = CudaHostLibraries.Where(name => !CanLoad(name)).ToArray();
        if (missing.Length > 0)
            return $"CUDA was requested, but this host lacks {string.Join(", ", missing)} (ONNX Runtime 1.31's CUDA provider needs the NVIDIA driver, " +
                   "the CUDA 13 runtime, cuBLAS and cuRAND, and cuDNN 9 on the library path, e.g. LD_LIBRARY_PATH). Use --device cpu to run without a GPU.";
        // The provider library may still need something not in the list above: loading it names the library dlopen missed.
        string? provider = FindNextToRuntime(CudaProviderLibrary);
        if (provider is null)
            return $"CUDA was requested, but {CudaProviderLibrary} is not next to the application; rebuild with -p:PinnServeCuda=true.";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(provider));
        }
        catch (DllNotFoundException e)
        {
            return $"CUDA was requested, but ONNX Runtime's CUDA provider cannot load: {e.Message.Replace(provider, CudaProviderLibrary)} Use --device cpu to run without a GPU.";
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(0);
        }
        catch (OnnxRuntimeException e)
        {
            return $"CUDA was requested, but its execution provider could not start: {e.Message.Trim()} Use --device cpu to run without a GPU.";
        }
        return null;
    }

    private static void AppendCuda(SessionOptions sessionOptions)
    {
        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(0);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"CUDA was requested, but its execution provider could not start: {e.Message.Trim()}", e);
        }
    }

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>A native library shipped by the ONNX Runtime package: in the app directory or its runtimes/ folder.</summary>
    private static string? FindNextToRuntime(string fileName) =>
        new[]
        {
            Path.Combine(AppContext.BaseDirectory, fileName),
            Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", fileName),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", fileName),
        }.FirstOrDefault(File.Exists);

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
                "The ONNX Runtime native library (libonnxruntime.so, from the Microsoft.ML.OnnxRuntime NuGet package) could not be loaded; " +
                $"rebuild so that it is copied next to the application: {e.Message}", e);
        }
    }
}
