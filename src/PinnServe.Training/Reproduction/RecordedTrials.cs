using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinnServe.Training.Reproduction;

/// <summary>
/// The trials a table already records (its ID.csv and ID.json from an earlier `pinn reproduce`), so that a table
/// regenerated where some run directories are absent (another machine, a cleaned `runs/`) keeps them instead of
/// dropping them. A recorded trial is kept only if its row still has the arguments it ran with and the table was
/// written with the same result-changing --train-args; a trial completed here replaces the record of the same seed.
/// </summary>
public static class RecordedTrials
{
    /// <summary>Status of a trial taken from the previous table rather than from a run directory here.</summary>
    public const string Status = "recorded";

    /// <summary>
    /// The completed trials in <paramref name="outputDir"/>/ID.csv, seeds 1..<paramref name="maxSeed"/>, whose rows and
    /// setup still match. <paramref name="skipped"/> says why none or only some could be used (null when all were).
    /// </summary>
    /// <param name="bindArguments">The recipe of a `pinn train` command line: a table written before rows were data
    /// recorded each row's arguments, and its trials are kept where these bind to the row's recipe now.</param>
    public static IReadOnlyList<TrialResult> Read(Experiment experiment, string outputDir, IReadOnlyList<string> extraArguments, int maxSeed,
        out string? skipped, Func<IReadOnlyList<string>, TrainingRecipe>? bindArguments = null)
    {
        skipped = null;
        string csvPath = Path.Combine(outputDir, experiment.Id + ".csv"), jsonPath = Path.Combine(outputDir, experiment.Id + ".json");
        if (!File.Exists(csvPath)) return [];
        try
        {
            return Parse(experiment, JsonNode.Parse(File.ReadAllText(jsonPath))!.AsObject(), ParseCsv(File.ReadAllText(csvPath)),
                extraArguments, maxSeed, out skipped, bindArguments);
        }
        catch (Exception e) when (e is IOException or JsonException or FormatException or InvalidOperationException or NullReferenceException
                                      or ArgumentException or OverflowException)
        {
            skipped = $"the previous {experiment.Id}.csv/.json could not be read ({e.GetType().Name}); its trials are not carried over";
            return [];
        }
    }

    private static List<TrialResult> Parse(Experiment experiment, JsonObject table, List<string[]> records, IReadOnlyList<string> extraArguments,
        int maxSeed, out string? skipped, Func<IReadOnlyList<string>, TrainingRecipe>? bindArguments)
    {
        skipped = null;
        var wanted = Reproducer.SetupChanging(extraArguments);
        var recordedSetup = RecordedSetup(table);
        if (!recordedSetup.SequenceEqual(wanted))
        {
            skipped = $"the previous {experiment.Id} table ran with --train-args `{string.Join(' ', recordedSetup)}`, not `{string.Join(' ', wanted)}`; its trials are not carried over";
            return [];
        }
        // A row whose recipe changed since the table was written does not carry its old trials.
        var recordedRows = table["rows"]?.AsArray().Where(n => n is not null).ToDictionary(n => n!["row"]!.GetValue<string>(), n => n!.AsObject()) ?? [];
        var current = experiment.Rows.ToDictionary(r => r.Label);
        var unchanged = new Dictionary<string, bool>();
        bool Unchanged(ExperimentRow row) => unchanged.TryGetValue(row.Label, out bool known) ? known
            : unchanged[row.Label] = recordedRows.TryGetValue(row.Label, out var then) && SameRow(row, then, bindArguments);
        var kept = new List<TrialResult>();
        var changedRows = new SortedSet<string>(StringComparer.Ordinal);
        var inv = CultureInfo.InvariantCulture;
        foreach (var f in records.Skip(1)) // header: row,seed,status,rel_l2,seconds,ms_per_iter
        {
            if (f.Length < 6 || f[2] is not ("completed" or Status) || f[3].Length == 0) continue;
            if (!current.TryGetValue(f[0], out var row)) continue; // a row since removed
            if (!Unchanged(row)) { changedRows.Add(f[0]); continue; }
            if (!ulong.TryParse(f[1], NumberStyles.None, inv, out ulong seed) || seed < 1 || seed > (ulong)maxSeed) continue;
            kept.Add(new TrialResult(f[0], seed, Status, double.Parse(f[3], inv), Optional(f[4]), Optional(f[5])));
        }
        if (changedRows.Count > 0)
            skipped = $"rows whose recipe changed since the previous table keep none of its trials: {string.Join(", ", changedRows.Select(r => $"'{r}'"))}";
        return kept;
    }

    /// <summary>
    /// Whether a row is the one the table recorded: the same problem, model, parameters and settings ("recipe"); for a
    /// table written when rows were `pinn train` arguments ("arguments"), when those arguments bind to the same recipe.
    /// </summary>
    private static bool SameRow(ExperimentRow row, JsonObject recorded, Func<IReadOnlyList<string>, TrainingRecipe>? bindArguments)
    {
        if (recorded["recipe"] is JsonObject recipe) return recipe.ToJsonString() == row.RecipeJson().ToJsonString();
        if (recorded["arguments"] is not JsonValue value || !value.TryGetValue(out string? arguments) || bindArguments is null) return false;
        try
        {
            var then = ExperimentTrials.Comparable(bindArguments(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            var now = ExperimentTrials.Comparable(ExperimentTrials.Recipe(row, RecipeOverrides.None, seed: 1));
            return ExperimentTrials.Differences(then, now).Count == 0;
        }
        catch (ArgumentException) { return false; }
    }

    /// <summary>The trials found here, and the recorded ones for every (row, seed) with no completed trial here.</summary>
    public static IReadOnlyList<TrialResult> Merge(IReadOnlyList<TrialResult> found, IReadOnlyList<TrialResult> recorded)
    {
        var completedHere = found.Where(r => r.RelativeL2 is not null).Select(r => (r.Row, r.Seed)).ToHashSet();
        var carried = recorded.Where(r => !completedHere.Contains((r.Row, r.Seed))).ToList();
        // A recorded trial replaces an unfinished or stale entry of the same seed, so each seed is listed once.
        var carriedKeys = carried.Select(r => (r.Row, r.Seed)).ToHashSet();
        return [.. found.Where(r => !carriedKeys.Contains((r.Row, r.Seed))), .. carried];
    }

    // Tables written before "train_args" was recorded hold only the command; its --train-args tokens are the rest of it.
    private static List<string> RecordedSetup(JsonObject table)
    {
        if (table["train_args"] is JsonArray recorded) return recorded.Select(n => n!.GetValue<string>()).ToList();
        string[] command = (table["command"]?.GetValue<string>() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int at = Array.IndexOf(command, "--train-args");
        return Reproducer.SetupChanging(at < 0 ? [] : command[(at + 1)..]);
    }

    private static double? Optional(string field) => field.Length == 0 ? null : double.Parse(field, CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 records as Reproducer.Write produces them: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') { field.Append(c); continue; }
                if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0: quoted = true; any = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); any = true; break;
                case '\r': break;
                case '\n':
                    fields.Add(field.ToString()); field.Clear();
                    rows.Add([.. fields]); fields.Clear(); any = false;
                    break;
                default: field.Append(c); any = true; break;
            }
        }
        if (quoted) throw new FormatException("a quoted CSV field is not closed");
        if (any || field.Length > 0) { fields.Add(field.ToString()); rows.Add([.. fields]); }
        return rows;
    }
}
