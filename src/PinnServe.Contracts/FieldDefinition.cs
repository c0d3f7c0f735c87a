using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PinnServe.Contracts;

/// <summary>One term <c>c · ∂ᵏ output / ∂x_a ∂x_b …</c> of a <see cref="FieldDefinition"/>.</summary>
public sealed record FieldTerm
{
    public required double Coefficient { get; init; }
    /// <summary>A network output name, e.g. "psi".</summary>
    public required string Output { get; init; }
    /// <summary>Input names to differentiate by (order = length, repeats allowed): [] value, ["y"] ∂/∂y, ["x","x"] ∂²/∂x².</summary>
    public string[] Derivative { get; init; } = [];

    /// <summary>The compact name, e.g. "psi_xy" (derivative names in the given order).</summary>
    [JsonIgnore]
    public string Quantity => Derivative.Length == 0 ? Output : $"{Output}_{string.Concat(Derivative)}";
}

/// <summary>
/// A named field that is a linear combination of derivatives of network outputs, e.g. the cavity's
/// <c>u = +1·psi_y</c>, <c>v = −1·psi_x</c>, or simply <c>u_xx = 1·u_xx</c>. The trainer writes a problem's
/// own fields to <c>fields.json</c> (a JSON list of these, snake_case keys); exporters and servers resolve
/// user-facing names such as "u", "u_x", "psi_yy" with <see cref="Resolve"/>.
/// </summary>
public sealed record FieldDefinition
{
    public required string Name { get; init; }
    public required FieldTerm[] Terms { get; init; }

    /// <summary>Highest derivative order over the terms.</summary>
    [JsonIgnore]
    public int Order => Terms.Length == 0 ? 0 : Terms.Max(t => t.Derivative.Length);

    /// <summary>A field with one term: <paramref name="coefficient"/> · ∂ output / ∂ derivative….</summary>
    public static FieldDefinition Of(string name, double coefficient, string output, params string[] derivative) =>
        new() { Name = name, Terms = [new FieldTerm { Coefficient = coefficient, Output = output, Derivative = derivative }] };

    /// <summary>The field's derivative by <paramref name="inputs"/>: every term gets the extra derivative.</summary>
    public FieldDefinition Differentiate(string name, IReadOnlyList<string> inputs) => new()
    {
        Name = name,
        Terms = Terms.Select(t => t with { Derivative = [.. t.Derivative, .. inputs] }).ToArray(),
    };

    /// <summary>Human-readable definition, e.g. "-1*psi_x + 0.5*p".</summary>
    public string Describe() => string.Join(" + ", Terms.Select(t =>
        $"{t.Coefficient.ToString("R", CultureInfo.InvariantCulture)}*{t.Quantity}"));

    /// <summary>Checks that every term names a known output and known inputs; throws naming the bad value.</summary>
    public void Validate(IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new InvalidDataException("A field has an empty name.");
        if (Terms.Length == 0) throw new InvalidDataException($"Field '{Name}' has no terms.");
        foreach (var term in Terms)
        {
            if (!outputs.Contains(term.Output))
                throw new InvalidDataException($"Field '{Name}' uses unknown output '{term.Output}' (outputs: {string.Join(", ", outputs)}).");
            foreach (var input in term.Derivative)
                if (!inputs.Contains(input))
                    throw new InvalidDataException($"Field '{Name}' differentiates by unknown input '{input}' (inputs: {string.Join(", ", inputs)}).");
            if (!double.IsFinite(term.Coefficient))
                throw new InvalidDataException($"Field '{Name}' has a non-finite coefficient for {term.Quantity}.");
        }
    }

    /// <summary>
    /// Resolves a user-facing field name: a problem field ("u"), a network output ("psi"), or either of those
    /// followed by '_' and input names concatenated ("u_x", "psi_xy", "u_xt"). Throws <see cref="ArgumentException"/>
    /// naming the bad value and the valid choices.
    /// </summary>
    public static FieldDefinition Resolve(string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<FieldDefinition> problemFields)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (TryBase(name, outputs, problemFields) is { } exact) return exact with { Name = name };
        // Try every '_' as the split point: output and input names may themselves contain '_'.
        for (int split = name.LastIndexOf('_'); split > 0; split = name.LastIndexOf('_', split - 1))
        {
            var baseField = TryBase(name[..split], outputs, problemFields);
            var wrt = SplitInputNames(name[(split + 1)..], inputs);
            if (baseField is not null && wrt is not null) return baseField.Differentiate(name, wrt);
        }
        var known = outputs.Concat(problemFields.Select(f => f.Name)).Distinct();
        throw new ArgumentException(
            $"Unknown field '{name}': expected one of {string.Join(", ", known)}, optionally followed by '_' and input names " +
            $"({string.Join(", ", inputs)}), e.g. '{outputs.FirstOrDefault() ?? "u"}_{inputs.FirstOrDefault() ?? "x"}'.");
    }

    private static FieldDefinition? TryBase(string name, IReadOnlyList<string> outputs, IReadOnlyList<FieldDefinition> problemFields)
    {
        // A problem's own field wins over a network output of the same name: it is the physical quantity.
        var problemField = problemFields.FirstOrDefault(f => f.Name == name);
        if (problemField is not null) return problemField;
        return outputs.Contains(name) ? Of(name, 1.0, name) : null;
    }

    /// <summary>Splits "xt" into ["x","t"] given the input names; null if it is not such a concatenation.</summary>
    private static string[]? SplitInputNames(string suffix, IReadOnlyList<string> inputs)
    {
        if (suffix.Length == 0) return null;
        foreach (var input in inputs.OrderByDescending(i => i.Length))
        {
            if (input.Length == 0 || !suffix.StartsWith(input, StringComparison.Ordinal)) continue;
            if (suffix.Length == input.Length) return [input];
            var rest = SplitInputNames(suffix[input.Length..], inputs);
            if (rest is not null) return [input, .. rest];
        }
        return null;
    }

    public static readonly JsonSerializerOptions JsonOptions = NetworkFile.JsonOptions;

    /// <summary>Reads a JSON list of field definitions (e.g. a run's <c>fields.json</c>).</summary>
    public static IReadOnlyList<FieldDefinition> LoadList(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<FieldDefinition[]>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid list of field definitions: {e.Message}", e); }
    }
}
