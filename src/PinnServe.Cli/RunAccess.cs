using System.CommandLine;
using System.Runtime.InteropServices;
using PinnServe.Training;
using PinnServe.Training.Runs;

namespace PinnServe.Cli;

/// <summary>What `pinn train --resume` accepts besides the run directory, and how a resumed run is opened.</summary>
internal static class ResumeOptions
{
    /// <summary>Options that make sense on a resumed run: a larger budget, how often it checkpoints, where it runs and on how many threads.</summary>
    public static TrainingRun Open(ParseResult parse, TrainOptions options, string dir, IEnumerable<Option> others)
    {
        var allowed = new HashSet<Symbol> { options.Iters, options.Lbfgs, options.CheckpointEvery, options.Device, options.Threads };
        foreach (var symbol in options.All().Concat(others))
        {
            bool given = symbol switch
            {
                Option option => parse.GetResult(option) is { Implicit: false },
                Argument argument => parse.GetResult(argument) is { Tokens.Count: > 0 },
                _ => false,
            };
            if (given && !allowed.Contains(symbol))
                throw new UsageException($"{Describe(symbol)} cannot be given with --resume: a resumed run keeps the settings recorded in its config.json " +
                                         "(with --resume only --iters and --lbfgs, to extend the run, --checkpoint-every, --device and --threads may be given).");
        }
        var budget = parse.GetValue(options.Iters) is null && parse.GetValue(options.Lbfgs) is null && parse.GetValue(options.CheckpointEvery) is null
            ? null : new RunBudget(parse.GetValue(options.Iters), parse.GetValue(options.Lbfgs), parse.GetValue(options.CheckpointEvery));
        try
        {
            return TrainingRun.Resume(dir, Commands.TrainCommand.ThreadCount(parse, options), parse.GetValue(options.Device), budget,
                note => Console.Error.WriteLine($"note: {note}"));
        }
        catch (RunDataException e) { throw new UsageException(e.Message); }
    }

    private static string Describe(Symbol symbol) => symbol is Argument ? $"A problem ('{symbol.Name}')" : symbol.Name;
}

/// <summary>
/// SIGTERM (Slurm preemption or time limit, `scancel`, `kubectl delete`): the training finishes its current step, writes
/// a checkpoint, releases the run's lock and the process exits with 143 (128 + 15), which schedulers requeue.
/// </summary>
internal sealed class TerminationSignal : IDisposable
{
    public const int ExitCode = 143;
    private readonly PosixSignalRegistration? _registration;

    private TerminationSignal(CancellationTokenSource cancel)
    {
        try
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;  // no immediate exit: the training loop stops after its step
                Received = true;
                cancel.Cancel();
            });
        }
        catch (PlatformNotSupportedException) { }
    }

    /// <summary>Cancels <paramref name="cancel"/> on SIGTERM until disposed.</summary>
    public static TerminationSignal Install(CancellationTokenSource cancel) => new(cancel);

    public bool Received { get; private set; }

    public void Dispose() => _registration?.Dispose();
}
