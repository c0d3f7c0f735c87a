using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using PinnServe.Engine.Compilation;
using PinnServe.Engine.Backends;

namespace PinnServe.Backends.Gpu;

/// <summary>
/// The engine's tapes as ILGPU kernels: "cuda" compiles them to PTX for the first NVIDIA GPU (through the CUDA
/// driver alone), "ilgpu-cpu" runs the very same kernels on ILGPU's CPU accelerator, which is how CI tests them.
/// Float32 only. One ILGPU context and accelerator per executor, released with it.
/// </summary>
public sealed class IlgpuBackend : IComputeBackend
{
    public static readonly IlgpuBackend Cuda = new("cuda", cuda: true);
    public static readonly IlgpuBackend Cpu = new("ilgpu-cpu", cuda: false);

    private readonly bool _cuda;

    private IlgpuBackend(string name, bool cuda) => (Name, _cuda) = (name, cuda);

    public string Name { get; }

    /// <summary>Adds both to <see cref="ComputeBackends"/> (the CLI calls this at start-up).</summary>
    public static void RegisterAll()
    {
        ComputeBackends.Register(Cuda);
        ComputeBackends.Register(Cpu);
    }

    public bool IsAvailable(out string reason)
    {
        reason = "";
        if (!_cuda) return true;
        try
        {
            using var context = Context.Create(b => b.Cuda());
            if (context.GetCudaDevices().Count > 0) return true;
            reason = "no CUDA device found (ILGPU needs an NVIDIA GPU and its driver's libcuda.so; none is visible on this machine).";
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            reason = $"the CUDA driver library (libcuda.so) could not be used: {e.GetBaseException().Message}";
        }
        return false;
    }

    public ITermExecutor<T> CreateExecutor<T>(IReadOnlyList<CompiledTerm<T>> terms, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
            throw new NotSupportedException($"Device '{Name}' trains in float32 only; use --precision float32.");
        var floatTerms = (IReadOnlyList<CompiledTerm<float>>)(object)terms;
        var context = _cuda ? Context.Create(b => b.Cuda().EnableAlgorithms()) : Context.Create(b => b.CPU().EnableAlgorithms());
        Accelerator? accelerator = null;
        try
        {
            accelerator = _cuda ? context.CreateCudaAccelerator(0) : context.CreateCPUAccelerator(0);
            var executor = new OwningExecutor(new IlgpuTermExecutor(accelerator, floatTerms), accelerator, context);
            return (ITermExecutor<T>)(object)executor;
        }
        catch
        {
            accelerator?.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>The resident step (<see cref="IlgpuStepExecutor"/>): θ, m and v stay on the accelerator.</summary>
    public IStepExecutor<T> CreateStepExecutor<T>(StepTerms<T> step, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
            throw new NotSupportedException($"Device '{Name}' trains in float32 only; use --precision float32.");
        var floatStep = (StepTerms<float>)(object)step;
        var (context, accelerator) = Open();
        try { return (IStepExecutor<T>)(object)new IlgpuStepExecutor(new IlgpuTermExecutor(accelerator, floatStep.All), floatStep, accelerator, context); }
        catch
        {
            accelerator.Dispose();
            context.Dispose();
            throw;
        }
    }

    private (Context Context, Accelerator Accelerator) Open()
    {
        var context = _cuda ? Context.Create(b => b.Cuda().EnableAlgorithms()) : Context.Create(b => b.CPU().EnableAlgorithms());
        try { return (context, _cuda ? context.CreateCudaAccelerator(0) : context.CreateCPUAccelerator(0)); }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Releases the accelerator and context after the executor's buffers.</summary>
    private sealed class OwningExecutor(IlgpuTermExecutor inner, Accelerator accelerator, Context context) : ITermExecutor<float>, ICountsTransfers
    {
        public int Threads => inner.Threads;
        public long ParameterTransfers => inner.ParameterTransfers;
        public void Run() => inner.Run();

        public void Dispose()
        {
            inner.Dispose();
            accelerator.Dispose();
            context.Dispose();
        }
    }
}
