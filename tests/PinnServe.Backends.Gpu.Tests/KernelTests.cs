using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>Single kernels on known inputs.</summary>
public class KernelTests
{
    [Fact]
    public void DenseProductWithBiasOnTheValueRows()
    {
        using var context = Context.Create(b => b.CPU());
        using var accelerator = context.CreateCPUAccelerator(0);
        var k = new Kernels(accelerator);
        // X (3×2) at 0, W (2×2) at 6, bias at 10, Y (3×2) at 12; bias on the first 2 rows.
        float[] arena = [1, 2, 3, 4, 5, 6, /*W*/ 1, 0, 1, 1, /*b*/ 10, 20, /*Y*/ 0, 0, 0, 0, 0, 0];
        using var buffer = accelerator.Allocate1D(arena);
        k.GemmForward(6, buffer.View, new GemmArgs { X = 0, W = 6, Y = 12, Bias = 10, Rows = 3, K = 2, N = 2, BiasRows = 2 });
        var result = buffer.GetAsArray1D();
        Assert.Equal([13f, 22f, 17f, 24f, 11f, 6f], result[12..]);
    }
}
