using System.Text;
using PinnServe.Fuzzing;

// pinn's input fuzzer: dotnet run -c Release --project fuzz/PinnServe.Fuzz -- [--seconds 60] [--target expr,toml,…] [--seed 1] [--out fuzz-findings]
// Runs each target for its share of the time; findings (unexpected exceptions, broken round trips, slow inputs)
// are written to --out as FINDING.bin with FINDING.txt; the input being run is kept in --out/current-TARGET.bin,
// so a crash of the process itself (a stack overflow) leaves the input behind. Exit code 1 when something was found.
double seconds = 60;
int seed = 1;
string outDir = "fuzz-findings";
var names = Targets.Names.ToList();
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--target": names = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(); break;
        case "--out": outDir = Value(); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--seconds S] [--target {string.Join(",", Targets.Names)}] [--seed N] [--out DIR]");
            return 2;
    }
}
Directory.CreateDirectory(outDir);
string scratch = Directory.CreateTempSubdirectory("pinn-fuzz-").FullName;
string? repository = Targets.FindRepository(AppContext.BaseDirectory) ?? Targets.FindRepository(Directory.GetCurrentDirectory());
int found = 0;
try
{
    foreach (var name in names)
    {
        var target = Targets.Create(name, repository, scratch);
        string current = Path.Combine(outDir, $"current-{name}.bin");
        // Each input runs on a thread with a 64 MB stack, as deep as any pinn command's, so only real runaways overflow.
        FuzzLoop.Result result = null!;
        var thread = new Thread(() => result = FuzzLoop.Run(target, seed, null, TimeSpan.FromSeconds(seconds / names.Count), input => File.WriteAllBytes(current, input)), 64 << 20);
        thread.Start();
        thread.Join();
        File.Delete(current);
        Console.WriteLine($"{name,-10} {result.Inputs,8:N0} inputs in {result.Elapsed.TotalSeconds,5:F1} s: {result.Refused:N0} refused, {result.Accepted:N0} accepted, corpus {result.Corpus}, findings {result.Findings.Count}");
        foreach (var finding in result.Findings)
        {
            found++;
            Console.WriteLine($"  {finding}");
            File.WriteAllBytes(Path.Combine(outDir, finding.Id + ".bin"), finding.Input);
            File.WriteAllText(Path.Combine(outDir, finding.Id + ".txt"), finding + "\n", Encoding.UTF8);
        }
    }
}
finally { Directory.Delete(scratch, recursive: true); }
return found == 0 ? 0 : 1;
