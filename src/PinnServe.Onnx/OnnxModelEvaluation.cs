namespace PinnServe.Onnx;

/// <summary>Error of one field of a model against reference values.</summary>
/// <param name="RelativeL2">‖prediction − reference‖₂ / ‖reference‖₂ (the papers' metric).</param>
/// <param name="MaxAbsError">max |prediction − reference|.</param>
public sealed record FieldError(string Field, int Points, double RelativeL2, double MaxAbsError);

/// <summary>The model's values of <see cref="Fields"/> at every reference point, point-major, and each field's error.</summary>
public sealed record Comparison(IReadOnlyList<string> Fields, float[] Predicted, IReadOnlyList<FieldError> Errors)
{
    public int Points => Predicted.Length / Fields.Count;
    public float Value(int point, int field) => Predicted[(long)point * Fields.Count + field];
}

/// <summary>Compares an ONNX model's fields with reference data given as named columns.</summary>
public static class OnnxModelEvaluation
{
    /// <summary>
    /// Evaluates <paramref name="model"/> at the points given by the columns named like its inputs and compares every
    /// field that has a column of the same name (or only <paramref name="fields"/> when given). Throws
    /// <see cref="ArgumentException"/> naming a missing input column or a field without reference values.
    /// </summary>
    public static IReadOnlyList<FieldError> Compare(OnnxFieldModel model, IReadOnlyDictionary<string, double[]> columns,
        IReadOnlyList<string>? fields = null) => CompareWithValues(model, columns, fields).Errors;

    /// <summary>As <see cref="Compare"/>, keeping the model's values (e.g. to write them beside the reference).</summary>
    public static Comparison CompareWithValues(OnnxFieldModel model, IReadOnlyDictionary<string, double[]> columns,
        IReadOnlyList<string>? fields = null)
    {
        var missing = model.InputNames.Where(n => !columns.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException(
                $"The reference has no column for input(s) {string.Join(", ", missing)} (columns: {string.Join(", ", columns.Keys)}).");
        fields ??= model.FieldNames.Where(columns.ContainsKey).ToArray();
        if (fields.Count == 0)
            throw new ArgumentException(
                $"The reference has none of the model's fields {string.Join(", ", model.FieldNames)} (columns: {string.Join(", ", columns.Keys)}).");
        foreach (var field in fields)
            if (!columns.ContainsKey(field))
                throw new ArgumentException($"The reference has no column for field '{field}' (columns: {string.Join(", ", columns.Keys)}).");

        int count = columns[model.InputNames[0]].Length, width = model.InputNames.Count;
        var points = new float[(long)count * width];
        for (int j = 0; j < width; j++)
        {
            var column = columns[model.InputNames[j]];
            for (int i = 0; i < count; i++) points[i * width + j] = (float)column[i];
        }
        var predicted = new float[(long)count * fields.Count];
        model.Evaluate(points, count, fields, predicted);

        var errors = new List<FieldError>();
        for (int f = 0; f < fields.Count; f++)
        {
            var reference = columns[fields[f]];
            double squaredError = 0, squaredNorm = 0, maxAbs = 0;
            for (int i = 0; i < count; i++)
            {
                double difference = predicted[i * fields.Count + f] - reference[i];
                squaredError += difference * difference;
                squaredNorm += reference[i] * reference[i];
                maxAbs = Math.Max(maxAbs, Math.Abs(difference));
            }
            errors.Add(new FieldError(fields[f], count, Math.Sqrt(squaredError / squaredNorm), maxAbs));
        }
        return new Comparison(fields, predicted, errors);
    }
}
