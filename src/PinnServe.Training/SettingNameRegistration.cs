using System.Runtime.CompilerServices;

namespace PinnServe.Training;

/// <summary>Registers the training library's named settings with <see cref="SettingNames"/> as soon as the library is used.</summary>
public static class SettingNameRegistration
{
#pragma warning disable CA2255 // a library's registration into a lower layer's registry is what module initializers are for
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        SettingNames.Register("weighting.scheme", () => Weighting.WeightingSchemes.Names);
        SettingNames.Register("network.architecture", () => Nn.Architectures.Names);
    }

    /// <summary>Nothing of its own: calling it loads the training library, whose module initializer registers the names
    /// (for a caller that reads problem files before using anything else of the library).</summary>
    public static void EnsureRegistered() { }
}
