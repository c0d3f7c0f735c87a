namespace PinnServe.Cli.Tests;

/// <summary>`--device` on the command line: the ILGPU backends are selectable, and a missing GPU is a usage error that says why.</summary>
public class DeviceCommandTests
{
    [Fact]
    public void BenchParityComparesTheIlgpuKernelsWithTheCpuEngine()
    {
        var r = PinnCli.Run("bench", "parity", "klein-gordon", "--model", "M4", "--device", "ilgpu-cpu", "--layers", "2x8", "--batch", "24", "--steps", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = r.Json;
        Assert.Equal("ilgpu-cpu", (string?)json["device"]);
        Assert.True((bool)json["ok"]!);
        Assert.InRange((double)json["worst_gradient_relative"]!, 0, 1e-4);
    }

    [Theory]
    [InlineData("float32", "train", "klein-gordon", "--device", "ilgpu-cpu", "--precision", "float64")]
    [InlineData("unknown device 'tpu'", "train", "klein-gordon", "--device", "tpu")]
    [InlineData("device backend", "bench", "parity", "klein-gordon", "--device", "cpu")]
    public void BadDevicesExitWithCode2AndSayWhy(string expected, params string[] args)
    {
        var r = PinnCli.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void CudaWithoutAGpuIsAUsageErrorNamingWhatIsMissing()
    {
        if (File.Exists("/dev/nvidiactl")) return;   // a GPU machine: `cuda` is expected to work there
        var r = PinnCli.Run("train", "klein-gordon", "--device", "cuda", "--iters", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cuda", r.Stderr);
        Assert.Contains("CUDA", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
