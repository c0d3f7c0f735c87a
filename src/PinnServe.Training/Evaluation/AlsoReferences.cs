using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Physics;

namespace PinnServe.Training.Evaluation;

/// <summary>The relative L² against each of <see cref="DataRecipe.AlsoReferences"/> at the last scored step, by reference name.</summary>
public sealed record AlsoReferenceStatus(int Step, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Errors) : TrainerStatus
{
    public override IEnumerable<KeyValuePair<string, JsonNode?>> SummaryEntries()
    {
        var all = new JsonObject();
        foreach (var (name, fields) in Errors)
            all[name] = new JsonObject(fields.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)(double.IsFinite(f.Value) ? f.Value : null))));
        return [new("rel_l2_also", all), new("rel_l2_also_step", Step)];
    }
}

/// <summary>
/// Scores the network against more references than the run's own (a benchmark's data file and the PDE's exact
/// solution differ; users want both curves): rel_l2_FIELD@NAME columns at the run's evaluation steps, NAME the file's
/// name without its extension. Read when the run is built, so a missing or unreadable file stops it before step 1.
/// </summary>
internal sealed class AlsoReferences : ITrainingFeature
{
    private readonly (string Name, EvaluationSet Set)[] _sets;
    private readonly Func<IReadOnlyList<string>, double[], double[][]> _evaluate;
    private readonly Func<int, bool> _isEvaluationStep;
    private readonly Func<int> _step;
    private AlsoReferenceStatus? _last;

    private AlsoReferences((string Name, EvaluationSet Set)[] sets, Func<IReadOnlyList<string>, double[], double[][]> evaluate, Func<int, bool> isEvaluationStep, Func<int> step)
    {
        (_sets, _evaluate, _isEvaluationStep, _step) = (sets, evaluate, isEvaluationStep, step);
        MetricColumns = sets.SelectMany(s => s.Set.Fields.Select(f => $"rel_l2_{f}@{s.Name}")).ToArray();
    }

    /// <summary>The feature for <paramref name="files"/> (null when there are none); duplicate names are refused.</summary>
    public static AlsoReferences? For(Problem problem, IReadOnlyList<string> files, Func<IReadOnlyList<string>, double[], double[][]> evaluate,
        Func<int, bool> isEvaluationStep, Func<int> step)
    {
        if (files.Count == 0) return null;
        var sets = files.Select(f => (Name: Path.GetFileNameWithoutExtension(f), Set: EvaluationSet.FromFile(problem, f))).ToArray();
        if (sets.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two --also-reference files are named '{twice.Key}': their metrics columns would collide; rename one.");
        return new AlsoReferences(sets, evaluate, isEvaluationStep, step);
    }

    public IReadOnlyList<string> MetricColumns { get; }

    public IEnumerable<string> MetricValues(int step)
    {
        if (!_isEvaluationStep(step)) return MetricColumns.Select(_ => "");
        var scored = _last = Score(step);
        return _sets.SelectMany(s => s.Set.Fields.Select(f => scored.Errors[s.Name][f].ToString("G6", CultureInfo.InvariantCulture)));
    }

    /// <summary>The scores at the last evaluation step, or now where none was logged at the current step.</summary>
    public TrainerStatus? Status => _last is { } last && last.Step == _step() ? last : _last = Score(_step());

    private AlsoReferenceStatus Score(int step)
    {
        var errors = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        foreach (var (name, set) in _sets)
        {
            double[] relative = set.RelativeL2(_evaluate(set.Fields, set.Points));
            errors[name] = set.Fields.Select((f, i) => KeyValuePair.Create(f, relative[i])).ToDictionary();
        }
        return new AlsoReferenceStatus(step, errors);
    }
}
