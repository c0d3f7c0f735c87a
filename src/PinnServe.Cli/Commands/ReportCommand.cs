using System.CommandLine;
using System.Text.Json.Nodes;
using PinnServe.Training.Reporting;

namespace PinnServe.Cli.Commands;

/// <summary>`pinn report RUN_DIR [RUN_DIR…] [--out report.html] [--vti fields.vti]`: a self-contained HTML report and VTK fields.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("run-dir") { Description = "Run directories written by `pinn train`; several are compared in one report.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "HTML file to write (default RUN_DIR/report.html of the first run)." };
        var vti = new Option<string?>("--vti") { Description = "Also write the first run's predicted, exact and error fields as VTK image data (.vti) for ParaView." };
        var grid = new Option<int>("--grid") { Description = "Grid points per axis for the fields (default 100).", DefaultValueFactory = _ => 100 };
        var labels = new Option<string[]>("--label") { Description = "Name of each run in the report, in order (default: its model and directory).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("report", "Write one self-contained HTML report (loss, λ, relative L², Hessian, gradient histograms, fields) of one or more runs.");
        command.Arguments.Add(dirs);
        command.Options.Add(output);
        command.Options.Add(vti);
        command.Options.Add(grid);
        command.Options.Add(labels);
        command.SetAction(parse =>
        {
            var runDirs = parse.GetValue(dirs)!;
            var names = parse.GetValue(labels) ?? [];
            int points = parse.GetValue(grid);
            if (points is < 2 or > 1000) throw new UsageException($"--grid must be 2..1000, got {points}.");
            if (names.Length > 0 && names.Length != runDirs.Length)
                throw new UsageException($"Give one --label per run directory: {runDirs.Length} directories, {names.Length} labels.");
            foreach (var dir in runDirs)
                if (!Directory.Exists(dir)) throw new UsageException($"Run directory '{dir}' does not exist.");

            List<RunReportData> runs;
            try { runs = runDirs.Select((dir, i) => RunReportData.Load(dir, points, names.Length > 0 ? names[i] : null)).ToList(); }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException or ArgumentException or Training.Runs.RunDataException) { throw new UsageException(e.Message); }

            string htmlPath = parse.GetValue(output) ?? Path.Combine(runDirs[0], "report.html");
            ReportHtml.Write(runs, htmlPath, PlotlyLibrary.Load());
            Console.WriteLine($"Report of {runs.Count} run(s) -> {htmlPath}");
            var result = new JsonObject { ["report"] = Path.GetFullPath(htmlPath), ["runs"] = runs.Count };
            if (parse.GetValue(vti) is { } vtiPath)
            {
                VtkImageWriter.Write(runs[0].Fields, vtiPath);
                Console.WriteLine($"Fields of {runs[0].Label} -> {vtiPath}");
                result["vti"] = Path.GetFullPath(vtiPath);
            }
            CliOutput.WriteResult(parse, result);
            return 0;
        });
        return command;
    }
}
