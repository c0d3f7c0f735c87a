using System.Text.Json.Nodes;
using PinnServe.Physics;
using PinnServe.Physics.Expressions;
using PinnServe.Physics.Files;

namespace PinnServe.Cli;

/// <summary>A parsed problem file printed back: what `pinn problems --file F` shows, as text and as JSON.</summary>
internal static class ProblemDescription
{
    public static (string Text, JsonObject Json) Describe(FileProblem p)
    {
        var box = p.Domain;
        var lines = new List<string>
        {
            $"problem {p.Name}: {p.Title}",
            $"inputs: {string.Join(", ", box.Axes.Select(a => $"{a.Name} ∈ [{a.Min:G6}, {a.Max:G6}]"))}",
            $"outputs: {string.Join(", ", p.Outputs)}",
        };
        if (p.Parameters.Count > 0) lines.Add($"parameters: {string.Join(", ", p.Parameters.Select(kv => $"{kv.Key} = {kv.Value:G6}"))}");
        foreach (var (name, expr) in p.Named) lines.Add($"  {name} = {ExprFormatter.Format(expr)}");
        if (p.Geometry is { } g)
            foreach (var step in g.Steps) lines.Add($"geometry: {(step.Add ? "add" : "remove")} {step.Shape.Describe(box)}");
        foreach (var (field, expr) in p.ExactExpressions) lines.Add($"exact {field} = {ExprFormatter.Format(expr)}");
        lines.Add($"evaluated: {string.Join(", ", p.EvaluatedFields)}");
        if (p.ScatteredReference() is { } scattered) lines.Add($"reference: {scattered.Source}, fields {string.Join(", ", scattered.Fields)}");
        var terms = new JsonArray();
        foreach (var term in p.Terms)
        {
            lines.Add($"term {term.Name} ({term.Role.ToString().ToLowerInvariant()}{(term.FixedWeight ? ", fixed weight" : "")}):");
            var pieces = new JsonArray();
            foreach (var piece in term.Pieces)
            {
                string on = piece.Region.Describe(box) + (piece.Partner is { } partner ? $" ↔ {partner.Describe(box)}" : "");
                var errors = piece.Errors.Select(ExprFormatter.Format).ToList();
                lines.Add($"  on {on}: {string.Join("; ", errors.Select(e => e + " = 0"))}");
                pieces.Add(new JsonObject { ["on"] = on, ["errors"] = new JsonArray(errors.Select(e => (JsonNode)e).ToArray()) });
            }
            terms.Add(new JsonObject { ["name"] = term.Name, ["role"] = term.Role.ToString().ToLowerInvariant(), ["fixed_weight"] = term.FixedWeight, ["pieces"] = pieces });
        }
        var d = p.Defaults;
        lines.Add($"training: {d.Model} {d.Network.Layers}, {d.Adam.Iterations} iterations, " + (d.Sampling.FullBatch ? $"full batch {d.Sampling.ResidualPoints}/{d.Sampling.ConditionPoints}" : $"batch {d.Sampling.Batch}"));

        var parameters = new JsonObject();
        foreach (var (k, v) in p.Parameters) parameters[k] = v;
        var named = new JsonObject();
        foreach (var (k, v) in p.Named) named[k] = ExprFormatter.Format(v);
        var exact = new JsonObject();
        foreach (var (k, v) in p.ExactExpressions) exact[k] = ExprFormatter.Format(v);
        var json = new JsonObject
        {
            ["name"] = p.Name, ["title"] = p.Title,
            ["inputs"] = new JsonArray(box.Axes.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["min"] = a.Min, ["max"] = a.Max }).ToArray()),
            ["outputs"] = new JsonArray(p.Outputs.Select(o => (JsonNode)o).ToArray()),
            ["parameters"] = parameters, ["named"] = named, ["exact"] = exact,
            ["evaluated"] = new JsonArray(p.EvaluatedFields.Select(f => (JsonNode)f).ToArray()),
            ["shapes"] = new JsonArray((p.Geometry?.Steps ?? []).Select(s => (JsonNode)new JsonObject { ["name"] = s.Shape.Name, ["op"] = s.Add ? "add" : "remove" }).ToArray()),
            ["terms"] = terms,
            ["default_model"] = d.Model, ["default_layers"] = d.Network.Layers, ["default_iterations"] = d.Adam.Iterations,
        };
        if (p.ScatteredReference() is { } reference)
            json["reference"] = new JsonObject
            {
                ["source"] = reference.Source, ["points"] = reference.Count,
                ["fields"] = new JsonArray(reference.Fields.Select(f => (JsonNode)f).ToArray()),
            };
        return (string.Join("\n", lines), json);
    }
}
