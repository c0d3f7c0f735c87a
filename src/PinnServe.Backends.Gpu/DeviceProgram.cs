using ILGPU;
using ILGPU.Runtime;

namespace PinnServe.Backends.Gpu;

/// <summary>
/// The accelerator, its kernels, the float arena and the int buffer of product plans. Ops launch kernels through
/// it; launches go to the accelerator's default stream in order, so no extra synchronization is needed between them.
/// </summary>
internal sealed class DeviceProgram(Accelerator accelerator) : IDisposable
{
    private readonly List<int> _plans = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _arena;
    private MemoryBuffer1D<int, Stride1D.Dense>? _planBuffer;

    public Accelerator Accelerator => accelerator;
    public Kernels K { get; } = new(accelerator);
    public ArrayView<float> Arena => _arena!.View;
    public ArrayView<int> PlanView => _planBuffer!.View;
    /// <summary>Arena offset of the constant 1 (scalar operand of the scaled-add kernels).</summary>
    public int One { get; set; }

    /// <summary>Appends ints (a plan or a list of offsets) and returns where they start.</summary>
    public int AddInts(IEnumerable<int> values)
    {
        int start = _plans.Count;
        _plans.AddRange(values);
        return start;
    }

    public void Allocate(DeviceLayout layout)
    {
        _arena = accelerator.Allocate1D<float>(Math.Max(1, layout.Length));
        _arena.MemSetToZero();
        foreach (var (host, offset) in layout.Initial) Arena.SubView(offset, host.Length).CopyFromCPU(host);
        _planBuffer = accelerator.Allocate1D<int>(Math.Max(1, _plans.Count));
        if (_plans.Count > 0) _planBuffer.View.CopyFromCPU(_plans.ToArray());
    }

    public void Dispose()
    {
        _arena?.Dispose();
        _planBuffer?.Dispose();
    }
}
