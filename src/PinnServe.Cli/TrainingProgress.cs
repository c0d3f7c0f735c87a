using System.Globalization;
using PinnServe.Training;
using Spectre.Console;

namespace PinnServe.Cli;

/// <summary>
/// Shows a training run's progress on standard error: a live bar (iteration, losses, λ, it/s, ETA) on a
/// terminal, plain lines every 5% otherwise (CI logs), so standard output stays clean for --json.
/// </summary>
internal static class TrainingProgress
{
    public static T Run<T>(string title, int iterations, Func<IProgress<ProgressInfo>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        bool interactive = !Console.IsErrorRedirected && console.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            int lastPercent = -5;
            return work(new SynchronousProgress(p =>
            {
                int percent = (int)(100L * p.Step / Math.Max(1, p.Iterations));
                if (percent - lastPercent < 5 && p.Step != p.Iterations) return;
                lastPercent = percent;
                Console.Error.WriteLine($"{title} {percent,3}% step {p.Step}/{p.Iterations} {Describe(p)} {p.StepsPerSecond:F0} it/s");
            }));
        }
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, iterations));
                var reporter = new SynchronousProgress(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape($"{title} {p.Step}/{p.Iterations} {Describe(p)} {p.StepsPerSecond:F0} it/s");
                });
                result = work(reporter);
                task.Value = task.MaxValue;
            });
        return result;
    }

    private static string Describe(ProgressInfo p)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = p.Terms.Select((t, i) => $"L_{t}={p.Losses[i].ToString("0.00e+0", inv)}")
            .Concat(p.WeightedTerms.Select((t, i) => $"λ_{t}={p.Weights[i].ToString("G3", inv)}"));
        if (p.RelativeL2 is { } e) parts = parts.Append($"relL2={e.ToString("0.00e+0", inv)}");
        if (p.Phase == "lbfgs") parts = parts.Prepend("L-BFGS");
        return string.Join(" ", parts);
    }

    /// <summary>Reports on the training thread (System.Progress would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
