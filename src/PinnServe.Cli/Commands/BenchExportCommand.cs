using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;
using PinnServe.Nn;
using PinnServe.Onnx;
using PinnServe.Training.Evaluation;

namespace PinnServe.Cli.Commands;

/// <summary>
/// `pinn bench export RUN_DIR`: points/s of the same trained network evaluated by in-process ONNX Runtime (the file
/// `pinn export` writes) and by the engine's own Taylor-mode forward pass (<see cref="FieldEvaluator{T}"/>, float32),
/// for batches of 1 to 10⁶ points, once for the network's values only and once with every first and second
/// derivative of every output.
/// </summary>
internal static class BenchExportCommand
{
    public static Command Create()
    {
        var runDirectory = new Argument<DirectoryInfo>("run-dir") { Description = "Run directory with network.json (from `pinn train`)." };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,10,100,1000,10000,100000,1000000" };
        var seconds = new Option<double>("--seconds") { Description = "Time budget per batch size and runner (at least 2 timed calls, 1 from 10^5 points).", DefaultValueFactory = _ => 0.5 };
        var ortThreads = new Option<string>("--ort-threads")
        {
            Description = "ONNX Runtime intra-op thread counts to measure, comma-separated (0: one per core). The engine runs on one thread.",
            DefaultValueFactory = _ => "1,0",
        };
        var engineChunk = new Option<int>("--engine-chunk") { Description = "Points per engine tape pass (the engine's evaluation default is 2048).", DefaultValueFactory = _ => 2048 };
        var command = new Command("export", "ONNX Runtime (in-process) vs the engine's forward pass on the same trained network, points/s for batches of 1 to 10^6.");
        command.Arguments.Add(runDirectory);
        foreach (var option in new Option[] { batches, seconds, ortThreads, engineChunk }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(runDirectory)!.FullName;
            var sizes = OptionLists.ParseIntegers(parse.GetValue(batches)!, "--batches", 1, 10_000_000);
            var threadCounts = OptionLists.ParseIntegers(parse.GetValue(ortThreads)!, "--ort-threads", 0, 1024);
            double budget = parse.GetValue(seconds);
            if (!(budget > 0)) throw new UsageException($"--seconds must be positive, got {budget}.");
            int chunk = parse.GetValue(engineChunk);
            if (chunk < 1) throw new UsageException($"--engine-chunk must be at least 1, got {chunk}.");
            bool json = CliOutput.IsJson(parse);
            string networkPath = Path.Combine(directory, "network.json");
            if (!File.Exists(networkPath)) throw new UsageException($"'{directory}' is not a run directory: it has no network.json.");

            var file = NetworkFile.Load(networkPath);
            var engine = LoadEngineNetwork(file);
            var fieldSets = new (string Name, FieldDefinition[] Fields)[]
            {
                ("values", file.Outputs.Select(o => FieldDefinition.Of(o, 1, o)).ToArray()),
                ("second-derivatives", DerivativesUpToSecondOrder(file)),
            };

            string onnxPath = Path.Combine(Path.GetTempPath(), $"pinn-bench-export-{Environment.ProcessId}.onnx");
            var rows = new JsonArray();
            try
            {
                foreach (var (setName, fields) in fieldSets)
                {
                    OnnxExporter.Export(file, fields, onnxPath, new Dictionary<string, string>());
                    var names = fields.Select(f => f.Name).ToArray();
                    var models = threadCounts.Select(t => (Threads: t, Model: EvalOnnxCommand.LoadModel(onnxPath, OnnxDevice.Cpu, t))).ToList();
                    try
                    {
                        if (!json) Console.WriteLine($"{setName}: {string.Join(", ", names)}");
                        // One longer engine run first so the small batches are not measured on unoptimized JIT code.
                        MeasureEngine(engine, file, fields, OnnxThroughput.RandomPoints(models[0].Model, chunk, seed: 1), chunk, chunk, 4 * budget);
                        foreach (int batch in sizes)
                        {
                            var points = OnnxThroughput.RandomPoints(models[0].Model, batch, seed: 1234);
                            var row = new JsonObject { ["fields"] = setName, ["batch"] = batch };
                            var line = $"  batch {batch,9:N0}:";
                            foreach (var (threads, model) in models)
                            {
                                var result = OnnxThroughput.Measure(model, batch, TimeSpan.FromSeconds(budget), names, MinimumCalls(batch));
                                row[$"ort_threads_{threads}_points_per_s"] = Math.Round(result.PointsPerSecond);
                                line += $"  ORT({(threads == 0 ? "all cores" : threads + " thr")}) {result.PointsPerSecond,13:N0}";
                            }
                            double enginePointsPerSecond = MeasureEngine(engine, file, fields, points, batch, Math.Min(batch, chunk), budget);
                            row["engine_points_per_s"] = Math.Round(enginePointsPerSecond);
                            line += $"  engine {enginePointsPerSecond,13:N0} points/s";
                            rows.Add(row);
                            if (!json) Console.WriteLine(line);
                        }
                    }
                    finally { foreach (var (_, model) in models) model.Dispose(); }
                }
            }
            finally { File.Delete(onnxPath); }

            CliOutput.WriteResult(parse, new JsonObject
            {
                ["benchmark"] = "export",
                ["run_dir"] = directory,
                ["architecture"] = file.Architecture,
                ["layers"] = $"{HiddenLayerCount(file)}x{file.Layers[0].Out}",
                ["inputs"] = new JsonArray(file.Inputs.Select(i => (JsonNode)i!).ToArray()),
                ["field_sets"] = new JsonObject(fieldSets.Select(s => KeyValuePair.Create(s.Name,
                    (JsonNode?)new JsonArray(s.Fields.Select(f => (JsonNode)f.Name!).ToArray())))),
                ["engine_chunk"] = chunk,
                ["cpu"] = BenchCommand.CpuModel(),
                ["seconds_per_measurement"] = budget,
                ["results"] = rows,
            });
            return 0;
        });
        return command;
    }

    /// <summary>Every output, and its first and second (mixed included) derivatives w.r.t. every input.</summary>
    private static FieldDefinition[] DerivativesUpToSecondOrder(NetworkFile file)
    {
        var fields = new List<FieldDefinition>();
        foreach (var output in file.Outputs)
        {
            fields.Add(FieldDefinition.Of(output, 1, output));
            for (int a = 0; a < file.Inputs.Length; a++) fields.Add(FieldDefinition.Of($"{output}_{file.Inputs[a]}", 1, output, file.Inputs[a]));
            for (int a = 0; a < file.Inputs.Length; a++)
                for (int b = a; b < file.Inputs.Length; b++)
                    fields.Add(FieldDefinition.Of($"{output}_{file.Inputs[a]}{file.Inputs[b]}", 1, output, file.Inputs[a], file.Inputs[b]));
        }
        return fields.ToArray();
    }

    /// <summary>Times <see cref="FieldEvaluator{T}.Evaluate"/> (float32 engine, one thread) on one batch, after one warm-up call.</summary>
    private static double MeasureEngine(Network<float> engine, NetworkFile file, FieldDefinition[] fields, float[] points, int batch, int chunk, double budget)
    {
        // Built outside the timing: the tape for `chunk` points is allocated once, as in the trainer's evaluation.
        var evaluator = new FieldEvaluator<float>(engine, file.Inputs, file.Outputs, file.InputShift, file.InputScale, fields, chunk);
        var coordinates = points.Select(v => (double)v).ToArray();
        // Warm-up by time, not by one call: the engine is managed code and reaches its optimized (tier-1) JIT only
        // after repeated calls; ONNX Runtime's kernels are native and need no such warm-up.
        var warmup = Stopwatch.StartNew();
        for (int i = 0; i < 1 || warmup.Elapsed.TotalSeconds < budget / 2; i++) evaluator.Evaluate(coordinates);
        int calls = 0;
        var clock = Stopwatch.StartNew();
        while (calls < MinimumCalls(batch) || clock.Elapsed.TotalSeconds < budget)
        {
            evaluator.Evaluate(coordinates);
            calls++;
        }
        return (double)calls * batch / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Timed calls at least: one call of 10⁵ points or more already lasts long enough to time on its own.</summary>
    private static int MinimumCalls(int batch) => batch >= 100_000 ? 1 : 2;

    /// <summary>The engine's network with the file's weights (float32, as trained).</summary>
    internal static Network<float> LoadEngineNetwork(NetworkFile file)
    {
        var shape = new NetworkShape(HiddenLayerCount(file), file.Layers[0].Out);
        try { return Network<float>.FromFile(file, new ParameterStore<float>()); }
        catch (InvalidDataException e) { throw new UsageException($"network.json does not describe a {shape} {file.Architecture}: {e.Message}"); }
    }

    /// <summary>Hidden layers as `--layers` counts them: the modified MLP's two encoders are not hidden layers.</summary>
    private static int HiddenLayerCount(NetworkFile file) =>
        file.Layers.Length - 1 - (file.Architecture == NetworkFile.ModifiedMlpArchitecture ? 2 : 0);
}
