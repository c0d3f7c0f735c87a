using PinnServe.Training;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>θ and the optimizer state are host data: a run trained on a device resumes on the CPU engine (and back).</summary>
public class PortabilityTests
{
    static PortabilityTests() => IlgpuBackend.RegisterAll();

    [Fact]
    public void ARunTrainedOnTheDeviceResumesOnTheCpuWhereItStopped()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"pinn-portable-{Guid.NewGuid():N}");
        try
        {
            var config = ParityTests.Config("klein-gordon", "M1", "ilgpu-cpu").WithAdam(it => it with { Iterations = 4 }).WithLogging(it => it with { CheckpointEvery = 2 });
            float[] theta;
            using (var run = TrainingRun.Create(config, dir, 1))
            {
                run.Run();
                theta = ((Trainer<float>)run.Trainer).Network.Parameters.Values.ToArray();
            }
            using var resumed = TrainingRun.Resume(dir, 1, device: "cpu");
            var trainer = (Trainer<float>)resumed.Trainer;
            Assert.Equal("cpu", trainer.Config.Device.Name);
            Assert.Equal(4, trainer.Step);
            Assert.Equal(theta, trainer.Network.Parameters.Values);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
