// The three products of a dense layer as delegates, from this build's Gemm or from an earlier build's
// PinnServe.Tensors.dll loaded beside it, so old and new kernels can be timed call by call in one process
// (--klein-gordon, --wide with --before DIR).
using System.Reflection;
using System.Runtime.Loader;
using PinnServe.Tensors;

internal delegate void ProductWithBias(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n, int biasRows);
internal delegate void Product(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate);

internal sealed record LayerKernels(ProductWithBias Forward, Product WeightGradient, Product InputGradient)
{
    public static LayerKernels Current() => new(Gemm.MultiplyAddBias<float>, Gemm.MultiplyTransposedA<float>, Gemm.MultiplyTransposedB<float>);

    public static LayerKernels Load(string directory)
    {
        var context = new AssemblyLoadContext("before", isCollectible: false);
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(Path.Combine(directory, "PinnServe.Tensors.dll")));
        var gemm = assembly.GetType("PinnServe.Tensors.Gemm")!;
        MethodInfo Find(string name, int parameters) => gemm.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == name && m.GetParameters().Length == parameters).MakeGenericMethod(typeof(float));
        return new(Find("MultiplyAddBias", 8).CreateDelegate<ProductWithBias>(), Find("MultiplyTransposedA", 7).CreateDelegate<Product>(),
            Find("MultiplyTransposedB", 7).CreateDelegate<Product>());
    }
}
