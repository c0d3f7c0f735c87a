namespace PinnServe.Training.Tests.Fingerprints;

/// <summary>
/// The same short run twice in one process, with the heap shifted in between (odd-sized allocations and a compacting
/// collection, so every scratch array lands at another address and alignment), gives the same bits. A sine network in
/// float64 once did not: TensorPrimitives.Sin's double kernel groups elements into vectors by the destination's
/// address, and the fused activation ran it on a GC-allocated scratch chunk.
/// </summary>
public sealed class RepeatabilityTests
{
    [Theory]
    [InlineData("helmholtz-M3", "float64")]
    [InlineData("helmholtz-M3", "float32")]
    [InlineData("allen-cahn-DN-causal-periodic", "float64")]
    public void Same_run_after_the_heap_moves_gives_the_same_bits(string name, string precision)
    {
        var config = FingerprintCases.All.Single(c => c.Name == name).Config().WithDevice(it => it with { Precision = precision == "float64" ? Precision.Float64 : Precision.Float32 });
        var first = Fingerprint.Of(config, threads: 1);
        var ballast = new List<byte[]>();
        for (int i = 1; i <= 64; i++) ballast.Add(new byte[i * 24 + 8]);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(first, Fingerprint.Of(config, threads: 1));
        GC.KeepAlive(ballast);
    }
}
