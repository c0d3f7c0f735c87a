using System.Runtime.InteropServices;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Engine.Backends;
using PinnServe.Engine.Compilation;
using PinnServe.Nn;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Geometry;

namespace PinnServe.Engine.Tests.Backends;

/// <summary>
/// A term's ∂L/∂θ, reduced chunk by chunk of θ (every shard's chunk added while the sum's chunk is in L1, on whichever
/// thread takes the range), must be bit for bit the old reduction: the first shard's gradient copied, then one whole
/// pass adding each other shard's in shard order, whether the stepping thread reduces alone or every thread takes ranges
/// of θ (a large reduction). Run with AVX2 on and off (DOTNET_EnableAVX2=0) for 256 and 128 bits.
/// </summary>
public class ShardReductionTests
{
    private static readonly Box Domain = new(new Axis("x", -1, 1), new Axis("t", 0, 2));
    private static readonly Field U = new("u");

    // More parameters than two reduction chunks (4,137 for 3×44 on two inputs) and a short last chunk; slices of 5
    // points and a short one, so the sum has many shards: 10 for 47 points (the stepping thread reduces), 67 for 333
    // (67 × 4,137 is over the executor's threshold: every thread takes ranges).
    private static CompiledTerm<T>[] Compile<T>(string architecture, int points) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var store = new ParameterStore<T>();
        var net = Network<T>.Create(architecture, store, 2, 1, NetworkShape.Parse("3x44"), TanhActivation.Instance);
        net.InitializeGlorotNormal(new Rng(5));
        Assert.True(store.Count > 2 * CompiledTerm<T>.ReduceChunk);
        var compiler = new TermCompiler<T>(net, Domain, ["u"], [0, 1], [1, 1], new Dictionary<string, double>()) { SlicePoints = 5 };
        var residual = U.D("t") - 0.01 * U.D("xx") + U.D("") * U.D("") * U.D("") - Expr.Sin(new Coordinate("x"));
        var terms = new[]
        {
            compiler.Compile(LossTerm.Residual("pde", residual), _ => SamplingPlan.Fresh(points)),
            compiler.Compile(LossTerm.Initial("ic", new Face("t", 0), U.D("") - Expr.Cos(new Coordinate("x"))), _ => SamplingPlan.Fresh(3)),
        };
        var rng = new Rng(13);
        foreach (var t in terms) t.Prime(rng);
        return terms;
    }

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, 47, 1)]
    [InlineData(NetworkFile.MlpArchitecture, 47, 2)]
    [InlineData(NetworkFile.MlpArchitecture, 333, 1)]
    [InlineData(NetworkFile.MlpArchitecture, 333, 2)]
    [InlineData(NetworkFile.MlpArchitecture, 333, 3)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, 47, 2)]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, 333, 2)]
    public void ChunkedReductionIsTheOnePassPerShardSum(string architecture, int points, int threads)
    {
        Check<float>(architecture, points, threads);
        Check<double>(architecture, points, threads);
    }

    private static void Check<T>(string architecture, int points, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var terms = Compile<T>(architecture, points);
        long reduced = terms.Sum(t => (long)t.ReducedLength * t.Shards.Count);
        Assert.Equal(points > 100, reduced >= CpuTermExecutor<T>.ParallelReduceElements);
        var rng = new Rng(19);
        using var executor = CpuBackend.Instance.CreateExecutor(terms, threads);
        for (int step = 0; step < 2; step++)
        {
            foreach (var t in terms) t.Sample(rng);
            executor.Run();
            foreach (var term in terms)
            {
                var (loss, gradient) = OnePassPerShard(term);
                Assert.Equal(Bits([loss]), Bits([term.Loss]));
                Assert.True(Bits(gradient).SequenceEqual(Bits(term.Gradient)), $"term {term.Name}, step {step}, {threads} threads: ∂L/∂θ differs");
            }
        }
        Assert.True(terms[0].Shards.Count > 9);
        Assert.Single(terms[1].Shards);
    }

    /// <summary>
    /// The stepping thread starts on the shards without waiting for the workers, so which thread runs which shard
    /// changes from step to step (a worker still asleep takes none of the first ones). Every step's losses and ∂L/∂θ
    /// must still be the 1-thread executor's bits: steps back to back and steps after a pause (the workers blocked).
    /// </summary>
    [Theory]
    [InlineData(47, 2)]
    [InlineData(333, 2)]
    [InlineData(333, 3)]
    public void EveryStepGivesTheOneThreadBitsHoweverTheWorkersStart(int points, int threads)
    {
        var one = Compile<float>(NetworkFile.MlpArchitecture, points);
        var many = Compile<float>(NetworkFile.MlpArchitecture, points);
        Rng oneRng = new(23), manyRng = new(23);
        using var oneThread = CpuBackend.Instance.CreateExecutor(one, 1);
        using var executor = CpuBackend.Instance.CreateExecutor(many, threads);
        Assert.Equal(threads, executor.Threads);
        for (int step = 0; step < 12; step++)
        {
            foreach (var t in one) t.Sample(oneRng);
            foreach (var t in many) t.Sample(manyRng);
            oneThread.Run();
            if (step % 3 == 2) Thread.Sleep(3); // long enough for the workers to block in their wait
            executor.Run();
            for (int i = 0; i < one.Length; i++)
            {
                Assert.Equal(Bits([one[i].Loss]), Bits([many[i].Loss]));
                Assert.True(Bits<float>(one[i].Gradient).SequenceEqual(Bits<float>(many[i].Gradient)), $"term {one[i].Name}, step {step}, {threads} threads: ∂L/∂θ differs from 1 thread");
            }
        }
    }

    // The reduction as it was: losses in shard order; the first shard's gradient, then one TensorPrimitives.Add per shard.
    private static (T Loss, T[] Gradient) OnePassPerShard<T>(CompiledTerm<T> term) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T loss = T.Zero;
        foreach (var shard in term.Shards) loss += shard.Output!.Value[0];
        var gradient = term.Shards[0].ParameterGradient.ToArray();
        for (int s = 1; s < term.Shards.Count; s++)
            System.Numerics.Tensors.TensorPrimitives.Add(gradient, term.Shards[s].ParameterGradient, gradient);
        return (loss, gradient);
    }

    private static byte[] Bits<T>(ReadOnlySpan<T> values) where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();
}
