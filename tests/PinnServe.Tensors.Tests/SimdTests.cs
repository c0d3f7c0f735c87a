using PinnServe.Tensors;

namespace PinnServe.Tensors.Tests;

public class SimdTests
{
    [Fact]
    public void WidthIsOneTheKernelsHaveAndHonoursTheEnvironmentCap()
    {
        Assert.Contains(Simd.Bits, new[] { 128, 256, 512 });
        // CI runs this project with DOTNET_EnableAVX512F=0 and DOTNET_EnableAVX2=0: the choice must follow.
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) Assert.NotEqual(512, Simd.Bits);
        if (!System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) Assert.Equal(128, Simd.Bits);
        if (Environment.GetEnvironmentVariable("PINNSERVE_SIMD_BITS") == "128") Assert.Equal(128, Simd.Bits);
    }
}
