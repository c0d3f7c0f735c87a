using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Training;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn eval RUN_DIR`: the relative L² of a run's latest checkpoint on its evaluation set.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("run-dir") { Description = "A run directory written by `pinn train`." };
        var reference = new Option<string?>("--reference")
        {
            Description = "Evaluate against this data file instead (.csv, .npz, .npy, .mat, FE text .txt/.dat): columns named like the inputs, then fields.",
        };
        var referenceColumns = new Option<string?>("--reference-columns")
        {
            Description = "Names for --reference's columns: all by position (x,y,u: a table without a header) or name=column pairs (x=X,t=T).",
        };
        var command = new Command("eval", "Evaluate a trained run against its reference solution.");
        command.Arguments.Add(dir);
        command.Options.Add(reference);
        command.Options.Add(referenceColumns);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(dir)!;
            if (!Directory.Exists(path)) throw new UsageException($"'{path}' is not a directory.");
            // Read-only: the newest intact checkpoint, no lock taken, nothing in the run written (a training may be running).
            ITrainer t;
            try { t = Training.Runs.RunReader.OpenCheckpoint(path); }
            catch (Training.Runs.RunDataException e) { throw new UsageException(e.Message); }
            using var disposeTrainer = t;
            string[] evaluated = t.EvaluatedFields;
            double[]? rel;
            JsonObject source;
            if (parse.GetValue(reference) is { } file)
            {
                (evaluated, rel) = ReferenceData.RelativeL2(t, file, parse.GetValue(referenceColumns));
                source = new JsonObject { ["origin"] = "reference-file", ["source"] = Path.GetFileName(file) };
            }
            else
            {
                if (parse.GetValue(referenceColumns) is not null) throw new UsageException("--reference-columns names the columns of a --reference FILE; give one.");
                rel = t.RelativeL2() ?? throw new UsageException($"{t.Problem.Name} has no reference solution to evaluate against (give --reference FILE).");
                var (origin, what) = t.Evaluation!.Value;
                source = new JsonObject { ["origin"] = origin, ["source"] = what };
            }
            var fields = new JsonObject();
            for (int i = 0; i < rel.Length; i++)
            {
                fields[evaluated[i]] = rel[i];
                Console.WriteLine($"{evaluated[i]}: relative L2 error {rel[i]:E3}");
            }
            Console.WriteLine($"({t.Problem.Name}, {t.Config.Model}, step {t.Step}; against {source["source"]}, {source["origin"]})");
            var result = new JsonObject
            {
                ["run_dir"] = Path.GetFullPath(path), ["problem"] = t.Problem.Name, ["model"] = t.Config.Model,
                ["step"] = t.Step, ["rel_l2"] = rel[0], ["rel_l2_fields"] = fields, ["evaluation"] = source,
            };
            CliOutput.WriteResult(parse, RunSummary.WithFiniteNumbers(result));
            return 0;
        });
        return command;
    }
}
