using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Onnx;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn bench-onnx MODEL.onnx`: in-process ONNX Runtime throughput (points/s) over batch sizes.</summary>
internal static class BenchOnnxCommand
{
    public static Command Create()
    {
        var modelPath = new Argument<FileInfo>("model") { Description = "ONNX model exported by `pinn export`." };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,10,100,1000,10000,100000,1000000" };
        var seconds = new Option<double>("--seconds") { Description = "Time budget per batch size.", DefaultValueFactory = _ => 1.0 };
        var fields = new Option<string>("--fields") { Description = "Comma-separated fields to compute (default: all)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)." };
        var device = DeviceOption.Create();
        var command = new Command("bench-onnx", "Measure ONNX Runtime throughput of a model for batches of 1 to 10^6 points.");
        command.Arguments.Add(modelPath);
        foreach (var option in new Option[] { batches, seconds, fields, threads, device }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var sizes = OptionLists.ParseIntegers(parse.GetValue(batches)!, "--batches", 1, 10_000_000);
            double budget = parse.GetValue(seconds);
            if (!(budget > 0)) throw new UsageException($"--seconds must be positive, got {budget}.");
            int threadCount = parse.GetValue(threads);
            if (threadCount < 0) throw new UsageException($"--threads must be 0 or more, got {threadCount}.");
            using var model = EvalOnnxCommand.LoadModel(parse.GetValue(modelPath)!.FullName, DeviceOption.Resolve(parse, device), threadCount);
            var selected = ExportCommand.SplitNames(parse.GetValue(fields)) ?? model.FieldNames.ToArray();
            foreach (var field in selected)
                if (!model.FieldNames.Contains(field))
                    throw new UsageException($"Unknown field '{field}': the model computes {string.Join(", ", model.FieldNames)}.");

            var results = new JsonArray();
            double best = 0;
            foreach (int batch in sizes)
            {
                var result = OnnxThroughput.Measure(model, batch, TimeSpan.FromSeconds(budget), selected, minCalls: 2);
                best = Math.Max(best, result.PointsPerSecond);
                if (!CliOutput.IsJson(parse))
                    Console.WriteLine($"batch {batch,9:N0}: {result.PointsPerSecond,14:N0} points/s   {result.MillisecondsPerCall,10:F3} ms/call   ({result.Calls} calls)");
                results.Add(new JsonObject
                {
                    ["batch"] = batch,
                    ["points_per_s"] = result.PointsPerSecond,
                    ["ms_per_call"] = result.MillisecondsPerCall,
                    ["calls"] = result.Calls,
                });
            }
            CliOutput.WriteResult(parse, new JsonObject
            {
                ["model"] = model.Path,
                ["fields"] = new JsonArray(selected.Select(f => (JsonNode)f!).ToArray()),
                ["execution_provider"] = model.ExecutionProvider,
                ["threads"] = threadCount,
                ["results"] = results,
                ["points_per_s"] = best,
            });
            return 0;
        });
        return command;
    }
}
