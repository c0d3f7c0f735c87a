using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinnServe.Contracts;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Training.Reporting;

/// <summary>
/// Writes the report: one HTML file with plotly.js, the page's script and the runs' data inlined, so it opens
/// offline. The page draws loss, λ, relative-L², Hessian and histogram charts and the field heatmaps, then
/// writes its outcome into #report-status (data-status="ok" or "error: …") for headless checks.
/// </summary>
public static class ReportHtml
{
    public static void Write(IReadOnlyList<RunReportData> runs, string path, string plotlyJs)
    {
        if (runs.Count == 0) throw new ArgumentException("A report needs at least one run.");
        var data = new JsonObject
        {
            ["title"] = runs.Count == 1 ? $"{runs[0].Config.Problem} · {runs[0].Label}" : $"{runs[0].Config.Problem} · {string.Join(" vs ", runs.Select(r => r.Label))}",
            ["generated"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"),
            ["runs"] = new JsonArray(runs.Select(RunJson).ToArray<JsonNode?>()),
        };
        // The default encoder escapes '<', so the data cannot close its script element.
        string json = data.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.Default });
        var html = new StringBuilder(plotlyJs.Length + json.Length + 20_000);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>PinnServe report</title>\n<style>\n")
            .Append(Asset("report.css")).Append("</style>\n")
            .Append("<script>\n").Append(EscapeScript(plotlyJs)).Append("\n</script>\n</head>\n<body>\n")
            .Append("<div id=\"report-status\" data-status=\"pending\" data-charts=\"0\"></div>\n<main id=\"report\"></main>\n")
            .Append("<script type=\"application/json\" id=\"report-data\">").Append(json).Append("</script>\n")
            .Append("<script>\n").Append(Asset("report.js")).Append("\n</script>\n</body>\n</html>\n");
        AtomicFile.WriteAllText(path, html.ToString());
    }

    /// <summary>"&lt;/script" inside inlined code would end the element early; "&lt;\/script" means the same in JS strings and regexes.</summary>
    private static string EscapeScript(string js) => js.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);

    private static string Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PinnServe.Reporting.{name}")
            ?? throw new InvalidOperationException($"Report asset '{name}' is missing from the assembly.");
        return new StreamReader(stream).ReadToEnd();
    }

    private static JsonObject RunJson(RunReportData run) => new()
    {
        ["label"] = run.Label,
        ["directory"] = run.Directory,
        ["step"] = run.Step,
        ["config"] = new JsonObject
        {
            ["problem"] = run.Config.Problem, ["model"] = run.Config.Model, ["architecture"] = run.Config.Network.Architecture,
            ["weighting"] = run.Config.Weighting.Scheme, ["layers"] = run.Config.Network.Layers, ["iterations"] = run.Config.Adam.Iterations,
            ["seed"] = run.Config.Seed, ["precision"] = RecipeBinder.NameOf(run.Config.Device.Precision),
        },
        ["summary"] = run.Summary?.DeepClone(),
        ["metrics"] = Columns(run.Metrics),
        ["hessian"] = run.Hessian is null ? null : Columns(run.Hessian),
        ["histograms"] = run.Histograms is null ? null : JsonSerializer.SerializeToNode(run.Histograms, GradientHistogramFile.Json),
        ["fields"] = FieldsJson(run.Fields),
    };

    private static JsonObject Columns(Dictionary<string, double?[]> columns)
    {
        var result = new JsonObject();
        foreach (var (name, values) in columns) result[name] = Numbers(values.Select(v => v is { } x && double.IsFinite(x) ? x : (double?)null));
        return result;
    }

    private static JsonObject FieldsJson(FieldGrid grid)
    {
        var items = new JsonArray();
        for (int f = 0; f < grid.Fields.Length; f++)
        {
            var exact = grid.Exact[f];
            items.Add(new JsonObject
            {
                ["name"] = grid.Fields[f],
                ["predicted"] = Rows(grid, grid.Predicted[f]),
                ["exact"] = exact is null ? null : Rows(grid, exact),
                ["error"] = exact is null ? null : Rows(grid, grid.Predicted[f].Select((p, i) => Math.Abs(p - exact[i])).ToArray()),
            });
        }
        return new JsonObject
        {
            ["axes"] = new JsonArray(grid.Axes.Select(a => (JsonNode?)a.Name).ToArray()),
            ["coordinates"] = new JsonArray(grid.Axes.Select(a => (JsonNode?)Numbers(a.Coordinates.Select(c => (double?)c))).ToArray()),
            ["slice"] = grid.Slice,
            ["exact_source"] = grid.ExactSource,
            ["items"] = items,
        };
    }

    /// <summary>Row-major rows (one per coordinate of the second axis), as Plotly heatmaps take z; a 1D grid is one row.</summary>
    private static JsonArray Rows(FieldGrid grid, double[] values) =>
        new(Enumerable.Range(0, grid.Height).Select(j => (JsonNode?)Numbers(values.Skip(j * grid.Width).Take(grid.Width).Select(v => (double?)v))).ToArray());

    // Single precision is plenty for a picture and halves the file.
    private static JsonArray Numbers(IEnumerable<double?> values) =>
        new(values.Select(v => v is { } x && double.IsFinite(x) ? JsonValue.Create((float)x) : null).ToArray<JsonNode?>());
}
