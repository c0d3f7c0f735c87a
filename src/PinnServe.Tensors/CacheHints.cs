using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace PinnServe.Tensors;

/// <summary>Software prefetches: they move data between caches only, never change a value.</summary>
internal static class CacheHints
{
    /// <summary>
    /// Asks for every cache line of <paramref name="count"/> elements from <paramref name="start"/> on to be brought into L2, in
    /// address order (x86; elsewhere nothing). For a block a kernel will next read in a strided order the hardware prefetchers
    /// do not follow, such as the weight gradient's walk down the columns of X.
    /// </summary>
    public static unsafe void IntoL2<T>(ref T start, int count) where T : unmanaged
    {
        if (!Sse.IsSupported || count <= 0) return;
        byte* p = (byte*)Unsafe.AsPointer(ref start), end = p + (nint)count * sizeof(T);
        for (; p < end; p += 64) Sse.Prefetch1(p);
    }
}
