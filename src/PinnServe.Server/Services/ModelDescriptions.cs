using PinnServe.Api.V1;
using PinnServe.Server.Models;

namespace PinnServe.Server.Services;

/// <summary>Registry entries as API messages.</summary>
internal static class ModelDescriptions
{
    public static ModelInfo Describe(ModelEntry entry, IEnumerable<ModelEntry> versions)
    {
        var info = new ModelInfo { Name = entry.Name, Status = entry.Status, Error = entry.Error ?? "", RepositoryVersion = entry.RepositoryVersion };
        info.ServedVersions.AddRange(versions.Where(v => v.Loaded is not null).Select(v => v.RepositoryVersion));
        foreach (var (key, value) in entry.Metrics) info.Metrics[key] = value;
        info.ReferenceDatasets.AddRange(entry.ReferenceDatasets);
        if (entry.Loaded is not { } loaded) return info;
        var model = loaded.Model;
        info.Version = loaded.Version;
        for (int i = 0; i < model.InputNames.Count; i++)
            info.Inputs.Add(new InputAxis { Name = model.InputNames[i], Min = model.InputBounds[i].Min, Max = model.InputBounds[i].Max });
        info.Fields.AddRange(model.FieldNames);
        foreach (var (key, value) in model.Metadata)
            if (!IsLocalPath(value)) info.Metadata[key] = value;
        return info;
    }

    /// <summary>
    /// Metadata values that are absolute paths of the machine that trained or exported the model (e.g. a run
    /// directory) say nothing to a client and tell it about the server's file system: they are not exported.
    /// </summary>
    public static bool IsLocalPath(string value) =>
        value.Length > 1 && (value[0] == '/' || value.StartsWith("~/", StringComparison.Ordinal)
            || (value.Length > 2 && char.IsAsciiLetter(value[0]) && value[1] == ':' && value[2] is '\\' or '/'));
}
