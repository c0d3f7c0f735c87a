using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PinnServe.Tensors.Tests")]
[assembly: InternalsVisibleTo("PinnServe.KernelBench")]
