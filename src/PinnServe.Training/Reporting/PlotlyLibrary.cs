using System.Reflection;

namespace PinnServe.Training.Reporting;

/// <summary>
/// plotly.js (MIT), inlined into every report. It ships inside this assembly as an embedded resource, taken at
/// build time from the NuGet package Plotly.Blazor (its staticwebassets/plotly-VERSION.min.js; the package is
/// downloaded for that one file and not referenced), so a report needs no network, npm or cache at run time.
/// </summary>
public static class PlotlyLibrary
{
    /// <summary>The plotly.js version embedded (see PinnServe.Training.csproj).</summary>
    public const string Version = "3.7.0";
    private const string ResourceName = "PinnServe.Reporting.plotly.min.js";

    /// <summary>The library's source.</summary>
    public static string Load()
    {
        using var stream = typeof(PlotlyLibrary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly lacks its embedded plotly.js ({ResourceName}); rebuild PinnServe.Training.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
