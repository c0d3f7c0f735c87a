using PinnServe.Training;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>Node-by-node forward values against the host tape: pins a wrong translation to the node kind that made it.</summary>
public class NodeParityTests
{
    public static IEnumerable<object[]> Cases => [["klein-gordon", "M4"], ["cavity", "M4"]];

    [Theory]
    [OnDevice(Devices.IlgpuCpu, nameof(Cases))]
    [OnDevice(Devices.Cuda, nameof(Cases))]
    public void EveryNodeValueMatchesTheHostTape(string device, string problem, string model)
    {
        using var trainer = (Trainer<float>)TrainerFactory.Create(ParityTests.Config(problem, model, "cpu"), 1);
        trainer.TrainStep();   // samples points and fills the data nodes
        var terms = trainer.ResidualTerms.Concat(trainer.WeightedTermTapes).ToArray();
        var (context, accelerator) = Devices.Open(device);
        using var _ = context;
        using var __ = accelerator;
        using var executor = new IlgpuTermExecutor(accelerator, terms);
        executor.Run();
        foreach (var term in terms)
            foreach (var tape in term.Shards)
            {
                tape.Forward();
                foreach (var node in tape.Nodes)
                {
                    var values = executor.Download(node.Value);
                    double error = ParityTests.RelativeDifference(node.Value, values);
                    Assert.True(error <= 1e-5, $"{device} {term.Name}: {node.GetType().Name} value differs by {error:E2} (host {string.Join(' ', node.Value.Take(4))}, device {string.Join(' ', values.Take(4))})");
                }
            }
    }
}
