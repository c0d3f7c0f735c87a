namespace PinnServe.Training.Tests.FileProblems;

/// <summary>Paths inside the repository (the examples the tests run).</summary>
internal static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "PinnServe.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("PinnServe.sln not found above the test binaries.");
        }
    }

    public static string Example(string name) => Path.Combine(Root, "examples", "problems", name);
}
