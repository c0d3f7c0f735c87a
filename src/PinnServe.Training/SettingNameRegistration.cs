using System.Runtime.CompilerServices;

namespace PinnServe.Training;

/// <summary>Registers the training library's named settings with <see cref="SettingNames"/> as soon as the library is used.</summary>
internal static class SettingNameRegistration
{
#pragma warning disable CA2255 // a library's registration into a lower layer's registry is what module initializers are for
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        SettingNames.Register("weighting.scheme", () => Weighting.WeightingSchemes.Names);
        SettingNames.Register("network.architecture", () => Nn.Architectures.Names);
    }
}
