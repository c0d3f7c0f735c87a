using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PinnServe.Autodiff.Tests")]
[assembly: InternalsVisibleTo("PinnServe.KernelBench")]
