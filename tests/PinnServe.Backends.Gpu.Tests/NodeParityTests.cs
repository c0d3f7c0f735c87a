using ILGPU;
using ILGPU.Runtime.CPU;
using PinnServe.Training;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>Node-by-node forward values against the host tape: pins a wrong translation to the node kind that made it.</summary>
public class NodeParityTests
{
    [Theory]
    [InlineData("klein-gordon", "M4")]
    [InlineData("cavity", "M4")]
    public void EveryNodeValueMatchesTheHostTape(string problem, string model)
    {
        using var trainer = (Trainer<float>)TrainerFactory.Create(ParityTests.Config(problem, model, "cpu"), 1);
        trainer.TrainStep();   // samples points and fills the data nodes
        var terms = trainer.ResidualTerms.Concat(trainer.WeightedTermTapes).ToArray();
        using var context = Context.Create(b => b.CPU());
        using var accelerator = context.CreateCPUAccelerator(0);
        using var executor = new IlgpuTermExecutor(accelerator, terms);
        executor.Run();
        foreach (var term in terms)
            foreach (var tape in term.Shards)
            {
                tape.Forward();
                foreach (var node in tape.Nodes)
                {
                    var device = executor.Download(node.Value);
                    double error = ParityTests.RelativeDifference(node.Value, device);
                    Assert.True(error <= 1e-5, $"{term.Name}: {node.GetType().Name} value differs by {error:E2} (host {string.Join(' ', node.Value.Take(4))}, device {string.Join(' ', device.Take(4))})");
                }
            }
    }
}
