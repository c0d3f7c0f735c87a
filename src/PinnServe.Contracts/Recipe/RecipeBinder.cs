using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PinnServe.Training;

/// <summary>One setting given by a front end: its path (<c>adam.learning_rate</c>), value, and where it came from (a flag, file:line:column).</summary>
public sealed record SettingValue(string Path, JsonNode? Value, string? Origin = null);

/// <summary>
/// The one mapping between settings and the recipe: the command line, a problem file's <c>[training]</c>, config.json
/// and experiment rows all give (path, value) pairs, and this applies them to a recipe by path and checks the result.
/// A wrong type or a value out of range is an <see cref="InvalidSettingException"/> naming the path and, where the
/// front end said, where it came from.
/// </summary>
public static class RecipeBinder
{
    /// <summary>
    /// The recipe with the settings applied in order (a later one wins), then range-checked
    /// (<see cref="RecipeValidation.ValidateValues"/>); <paramref name="partial"/>: skip the checks across settings
    /// (full_batch needs point counts, …) that a later front end may still complete (a problem file's [training]
    /// before the command line).
    /// </summary>
    public static TrainingRecipe Apply(TrainingRecipe recipe, IEnumerable<SettingValue> settings, bool partial = false)
    {
        var list = settings.ToList();
        var root = RecipeJson.ToNode(recipe);
        foreach (var s in list)
        {
            if (TypeAt(s.Path) is not { } type) throw new InvalidSettingException(s.Path, "is not a setting", s.Origin);
            // An empty table switches an optional group on (--rwf, a file's rwf = true): values it already holds stay.
            if (s.Value is JsonObject { Count: 0 } && IsGroup(type) && NodeAt(root, s.Path) is JsonObject) continue;
            SetAt(root, s.Path, s.Value?.DeepClone());
        }
        try
        {
            var result = Deserialize(root);
            result.ValidateValues(acrossSettings: !partial);
            return result;
        }
        catch (InvalidSettingException e) when (e.Origin is null && OriginOf(list, e.Setting) is { } origin)
        {
            throw new InvalidSettingException(e.Setting, e.Problem, origin);
        }
    }

    /// <summary>One setting by path, e.g. <c>Set(recipe, "adam.learning_rate", 1e-3)</c>.</summary>
    public static TrainingRecipe Set(TrainingRecipe recipe, string path, JsonNode? value, string? origin = null) =>
        Apply(recipe, [new SettingValue(path, value, origin)]);

    /// <summary>A recipe from its JSON tree; a value of the wrong type names its setting path.</summary>
    public static TrainingRecipe Deserialize(JsonObject root)
    {
        try { return root.Deserialize<TrainingRecipe>(RecipeJson.Options) ?? throw new InvalidSettingException("recipe", "is empty"); }
        catch (JsonException e)
        {
            string path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            string? member = UnknownMember(e.Message);
            if (member is not null) throw new InvalidSettingException(path.Length == 0 || path == member || path.EndsWith("." + member, StringComparison.Ordinal) ? (path.Length == 0 ? member : path) : $"{path}.{member}", "is not a setting");
            var node = NodeAt(root, path);
            string got = node is JsonValue value && value.TryGetValue(out string? text) ? $"'{text}'" : node?.ToJsonString() ?? "null";
            throw new InvalidSettingException(path, $"{Expected(TypeAt(path))}, got {got}");
        }
    }

    /// <summary>A group of settings (a record such as <see cref="RwfRecipe"/>), not a value nor a map of names.</summary>
    private static bool IsGroup(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsClass && type != typeof(string) && !type.IsArray && !(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>));
    }

    /// <summary>Sets a node by dotted path, creating the groups on the way.</summary>
    public static void SetAt(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var o = root;
        foreach (var part in parts[..^1])
        {
            if (o[part] is not JsonObject child) o[part] = child = new JsonObject();
            o = child;
        }
        o[parts[^1]] = value;
    }

    private static JsonNode? NodeAt(JsonObject root, string path)
    {
        JsonNode? n = root;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries)) n = n is JsonObject o ? o[part.Split('[')[0]] : null;
        return n;
    }

    /// <summary>The .NET type a setting path holds (null: no such setting); dictionary entries (<c>weighting.weights.ic</c>) are their value type.</summary>
    public static Type? TypeAt(string path)
    {
        Type t = typeof(TrainingRecipe);
        foreach (var part in path.Split('.'))
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) { t = t.GetGenericArguments()[1]; continue; }
            var property = Settings(t).FirstOrDefault(p => p.Name == part).Property;
            if (property is null) return null;
            t = property.PropertyType;
        }
        return t;
    }

    /// <summary>The settings of a group (or of the recipe): JSON name and property.</summary>
    public static IEnumerable<(string Name, PropertyInfo Property)> Settings(Type group) =>
        group.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p));

    /// <summary>The names users type for an enum's values (float64, max-order).</summary>
    public static IEnumerable<string> NamesOf(Type enumType) =>
        Enum.GetNames(enumType).Select(JsonNamingPolicy.KebabCaseLower.ConvertName);

    /// <summary>The name users type for one enum value.</summary>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>An enum value from the name users type ("float64" → <see cref="Precision.Float64"/>).</summary>
    public static TEnum ParseName<TEnum>(string name) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().FirstOrDefault(v => NameOf(v) == name) is var value && NameOf(value) == name
            ? value
            : throw new ArgumentException($"'{name}' is not one of {string.Join(", ", NamesOf(typeof(TEnum)))}.");

    private static string Expected(Type? t)
    {
        t = t is null ? null : Nullable.GetUnderlyingType(t) ?? t;
        if (t is null) return "has the wrong type";
        if (t.IsEnum) { var names = NamesOf(t).ToList(); return $"must be {string.Join(", ", names.SkipLast(1))} or {names[^1]}"; }
        if (t == typeof(int) || t == typeof(long) || t == typeof(ulong)) return "must be an integer";
        if (t == typeof(double)) return "must be a number";
        if (t == typeof(bool)) return "must be true or false";
        if (t == typeof(string)) return "must be a string";
        if (t.IsArray) return "must be a list";
        return "must be a table of settings";
    }

    private static string? UnknownMember(string message)
    {
        // "The JSON property 'x' could not be mapped to any .NET member contained in type ..."
        const string marker = "The JSON property '";
        int i = message.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0) return null;
        int start = i + marker.Length, end = message.IndexOf('\'', start);
        return end > start ? message[start..end] : null;
    }

    private static string? OriginOf(List<SettingValue> settings, string path) =>
        settings.LastOrDefault(s => s.Path == path || path.StartsWith(s.Path + ".", StringComparison.Ordinal) || s.Path.StartsWith(path + ".", StringComparison.Ordinal))?.Origin;
}
