using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Engine.Compilation;
using PinnServe.Training;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench parity PROBLEM --device cuda [--steps N]`: trains the same configuration on the CPU engine and on
/// the device side by side and reports the worst relative difference of every term's loss and ∇θ over the steps,
/// and of θ at the end — the check to run first on a new GPU machine (scripts/gpu-check.sh does).
/// </summary>
internal static class BenchParityCommand
{
    public static Command Create()
    {
        var options = new TrainOptions();
        var steps = new Option<int>("--steps") { Description = "Training steps compared (default 20).", DefaultValueFactory = _ => 20 };
        var parity = new Command("parity", "Compare a device backend with the CPU engine: per-term losses and ∇θ each step, θ at the end.");
        options.AddTo(parity);
        parity.Options.Add(steps);
        parity.SetAction(parse =>
        {
            int n = parse.GetValue(steps);
            if (n < 1) throw new UsageException($"--steps must be at least 1, got {n}.");
            var config = options.Build(parse);
            if (config.Device == "cpu") throw new UsageException("--device must name a device backend to compare with the CPU engine (e.g. cuda).");
            if (config.Precision != "float32") throw new UsageException("parity is checked in float32 (--precision float32).");
            int threads = TrainCommand.ThreadCount(parse, options);
            using var cpu = (Trainer<float>)TrainCommand.CreateTrainer(config with { Device = "cpu" }, threads);
            using var device = (Trainer<float>)TrainCommand.CreateTrainer(config, threads);
            double worstLoss = 0, worstGradient = 0;
            for (int step = 0; step < n; step++)
            {
                cpu.TrainStep();
                device.TrainStep();
                CompiledTerm<float>[] a = [.. cpu.ResidualTerms, .. cpu.WeightedTermTapes], b = [.. device.ResidualTerms, .. device.WeightedTermTapes];
                for (int i = 0; i < a.Length; i++)
                {
                    worstLoss = Math.Max(worstLoss, Math.Abs((double)a[i].Loss - b[i].Loss) / Math.Max(Math.Abs((double)a[i].Loss), 1e-30));
                    worstGradient = Math.Max(worstGradient, Relative(a[i].Gradient, b[i].Gradient));
                }
            }
            double theta = Relative(cpu.Network.Parameters.Values, device.Network.Parameters.Values);
            bool ok = worstLoss <= 1e-4 && worstGradient <= 1e-4 && theta <= 1e-4;
            Console.WriteLine($"{config.Problem} {config.Model} on {config.Device} vs cpu over {n} steps: worst loss {worstLoss:E2}, worst ∇θ {worstGradient:E2} (of the largest entry), θ {theta:E2} — {(ok ? "ok" : "MISMATCH")}");
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["benchmark"] = "parity", ["problem"] = config.Problem, ["model"] = config.Model, ["layers"] = config.Layers, ["device"] = config.Device,
                ["steps"] = n, ["worst_loss_relative"] = worstLoss, ["worst_gradient_relative"] = worstGradient, ["theta_relative"] = theta, ["ok"] = ok,
            });
            return ok ? 0 : 1;
        });
        return parity;
    }

    // max |a − b| / max |a|, NaN-safe: a non-finite device value counts as a total mismatch.
    private static double Relative(float[] a, float[] b)
    {
        double scale = 0, diff = 0;
        for (int i = 0; i < a.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(a[i]));
            double d = Math.Abs((double)a[i] - b[i]);
            diff = double.IsFinite(d) ? Math.Max(diff, d) : double.PositiveInfinity;
        }
        return diff / Math.Max(scale, 1e-30);
    }
}
