using PinnServe.Autodiff;
using PinnServe.Training;
using PinnServe.Engine.Backends;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>What the backend cannot do, it refuses with a message that says what and why (never a silent wrong answer).</summary>
public class RefusalTests
{
    static RefusalTests() => IlgpuBackend.RegisterAll();

    private sealed class UnknownNode() : Node<float>(4, requiresGrad: false)
    {
        public override void Forward() { }
    }

    [Fact]
    public void AnUnknownNodeKindIsNamed()
    {
        var e = Assert.Throws<NotSupportedException>(() => NodeTranslators.For(new UnknownNode()));
        Assert.Contains("UnknownNode", e.Message);
        Assert.Contains("JetLinearNode", e.Message);   // and what it does run
    }

    [Fact]
    public void FactorizedWeightsAreRefusedByNodeKind()
    {
        var config = ParityTests.Config("klein-gordon", "M1", "ilgpu-cpu").WithNetwork(it => it with { Rwf = new RwfRecipe() });
        var e = Assert.Throws<NotSupportedException>(() => TrainerFactory.Create(config, 1));
        Assert.Contains("JetFactorizedLinearNode", e.Message);
        Assert.Contains("--device cpu", e.Message);
    }

    [Fact]
    public void Float64IsRefusedWithTheFlagToUse()
    {
        var config = ParityTests.Config("klein-gordon", "M1", "ilgpu-cpu").WithDevice(it => it with { Precision = Precision.Float64 });
        var e = Assert.Throws<NotSupportedException>(() => TrainerFactory.Create(config, 1));
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void CudaIsRegisteredAndSaysWhatIsMissingWhenThereIsNoGpu()
    {
        Assert.Contains("cuda", ComputeBackends.Names);
        Assert.Contains("ilgpu-cpu", ComputeBackends.Names);
        if (IlgpuBackend.Cuda.IsAvailable(out _)) return;   // a machine with a GPU: nothing to refuse
        Assert.False(IlgpuBackend.Cuda.IsAvailable(out string reason));
        Assert.Contains("CUDA", reason);
        var e = Assert.Throws<ArgumentException>(() => ComputeBackends.Get("cuda"));
        Assert.Contains("cuda", e.Message);
        Assert.Contains("CUDA", e.Message);
    }
}
