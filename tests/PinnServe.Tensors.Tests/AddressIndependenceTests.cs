using System.Numerics.Tensors;
using PinnServe.Tensors;

namespace PinnServe.Tensors.Tests;

/// <summary>
/// Results must not depend on where a buffer sits in memory, nor on how long the span is (a thread's shard of points):
/// the same input element gives the same output bits. A kernel that peels to an aligned address and takes a per-vector
/// path broke this once (TensorPrimitives.Sin for double, on a GC-allocated scratch chunk) and made training θ differ
/// from run to run; these tests shift every buffer by 1..15 elements and cut the span's length.
/// </summary>
public class AddressIndependenceTests
{
    public delegate void Elementwise<T>(ReadOnlySpan<T> x, Span<T> destination);

    private static T[] Uniform<T>(int seed, int n, double scale) where T : IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var a = new T[n];
        for (int i = 0; i < n; i++) a[i] = T.CreateTruncating((random.NextDouble() * 2 - 1) * scale);
        return a;
    }

    private static void AssertElementExact<T>(Elementwise<T> f, double scale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const int n = 3001;
        var x = Uniform<T>(5, n, scale);
        var expected = new T[n];
        f(x, expected);
        for (int shift = 1; shift < 16; shift++)
        {
            var input = new T[n + 32];
            var output = new T[n + 32];
            x.CopyTo(input, shift);
            int length = n - 7 * shift;
            f(input.AsSpan(shift, length), output.AsSpan(shift + 3, length));
            for (int i = 0; i < length; i++)
                Assert.True(expected[i].Equals(output[shift + 3 + i]), $"{typeof(T).Name} element {i} (input shifted {shift}, length {length}): {output[shift + 3 + i]} ≠ {expected[i]}");
        }
    }

    public static TheoryData<string, double> Functions()
    {
        var data = new TheoryData<string, double>();
        foreach (var name in new[] { "StableMath.Sin", "StableMath.Cos", "SinCos", "Tanh", "Exp", "Log", "Sqrt" })
            foreach (var scale in new[] { 0.5, 3.0, 30.0 })
                data.Add(name, scale);
        return data;
    }

    private static Elementwise<T> Function<T>(string name) where T : unmanaged, IBinaryFloatingPointIeee754<T> => name switch
    {
        "StableMath.Sin" => StableMath.Sin,
        "StableMath.Cos" => StableMath.Cos,
        "SinCos" => (x, d) => TensorPrimitives.SinCos(x, d, new T[x.Length]),
        "Tanh" => (x, d) => TensorPrimitives.Tanh(x, d),
        "Exp" => (x, d) => TensorPrimitives.Exp(x, d),
        "Log" => (x, d) => { var ax = new T[x.Length]; TensorPrimitives.Abs(x, ax); TensorPrimitives.Log(ax, d); },
        "Sqrt" => (x, d) => { var ax = new T[x.Length]; TensorPrimitives.Abs(x, ax); TensorPrimitives.Sqrt(ax, d); },
        _ => throw new ArgumentException(name),
    };

    /// <summary>Every element-wise function the engine calls gives each element's bits whatever the span's address and length.</summary>
    [Theory]
    [MemberData(nameof(Functions))]
    public void ElementwiseFunctionsDependOnTheElementOnly(string name, double scale)
    {
        AssertElementExact(Function<double>(name), scale);
        AssertElementExact(Function<float>(name), scale);
    }

    [Fact]
    public void StableSineIsTheScalarSine()
    {
        var x = Uniform<double>(9, 999, 4);
        var y = new double[x.Length];
        StableMath.Sin<double>(x, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Math.Sin(x[i]), y[i]);
        StableMath.Cos<double>(x, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Math.Cos(x[i]), y[i]);
    }

    /// <summary>A product on shifted copies of A, B, C and the bias (packed, blocked, the transposed-B path) gives the same bits.</summary>
    [Theory]
    [InlineData(130, 128, 128)]
    [InlineData(600, 50, 50)]
    [InlineData(37, 20, 33)]
    public void ProductsDoNotDependOnBufferAddresses(int m, int k, int n)
    {
        Check<double>(m, k, n);
        Check<float>(m, k, n);

        static void Check<T>(int m, int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            var a = Uniform<T>(1, m * k, 1);
            var b = Uniform<T>(2, k * n, 1);
            var bias = Uniform<T>(3, n, 1);
            var c0 = Uniform<T>(4, m * n, 1);
            var expected = Run(a, b, bias, c0, 0, m, k, n);
            for (int shift = 1; shift < 16; shift += 3)
                Assert.Equal(expected, Run(a, b, bias, c0, shift, m, k, n));
        }

        static T[] Run<T>(T[] a, T[] b, T[] bias, T[] c0, int shift, int m, int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            var sa = Shifted(a, shift); var sb = Shifted(b, shift + 1); var sBias = Shifted(bias, shift + 2);
            var c = Shifted(c0, shift + 3); var d = Shifted(new T[m * k], shift + 5); var e = Shifted(new T[k * n], shift + 7);
            Gemm.MultiplyAddBias<T>(sa.Span, sb.Span, sBias.Span, c.Span, m, k, n, biasRows: m / 2);
            Gemm.Multiply<T>(sa.Span, sb.Span, c.Span, m, k, n, accumulate: true);
            Gemm.MultiplyTransposedB<T>(c.Span, sb.Span, d.Span, m, n, k, accumulate: false);
            Gemm.MultiplyTransposedA<T>(sa.Span, c.Span, e.Span, m, k, n, accumulate: false);
            return [.. c.Span, .. d.Span, .. e.Span];
        }

        static Memory<T> Shifted<T>(T[] source, int shift)
        {
            var buffer = new T[source.Length + 32];
            source.CopyTo(buffer, shift);
            return buffer.AsMemory(shift, source.Length);
        }
    }

    /// <summary>
    /// dW += Xᵀ·dY continues every element's FMA chain across row blocks, so splitting the rows anywhere (here at 37, and
    /// the kernel's own block of 256 floats' or 128 doubles' worth) gives the one-call bits.
    /// </summary>
    [Fact]
    public void TransposedProductIsOneChainWhateverTheRowBlocks()
    {
        Check<double>();
        Check<float>();

        // k = 256: blocks of 256 floats' or 128 doubles' rows; k = 50 (up to 64 columns): half as many.
        static void Check<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Split<T>(256, 72);
            Split<T>(50, 50);
        }

        static void Split<T>(int k, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            int m = 600, split = 37;
            var x = Uniform<T>(6, m * k, 1);
            var dy = Uniform<T>(7, m * n, 1);
            var whole = new T[k * n];
            Gemm.MultiplyTransposedA<T>(x, dy, whole, m, k, n, accumulate: false);
            var parts = new T[k * n];
            Gemm.MultiplyTransposedA<T>(x.AsSpan(0, split * k), dy.AsSpan(0, split * n), parts, split, k, n, accumulate: false);
            Gemm.MultiplyTransposedA<T>(x.AsSpan(split * k), dy.AsSpan(split * n), parts, m - split, k, n, accumulate: true);
            Assert.Equal(whole, parts);
        }
    }
}
