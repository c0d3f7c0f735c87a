using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using PinnServe.Physics.Files;
using PinnServe.Training;

namespace PinnServe.Cli.Tests;

/// <summary>Issue 32: one exit-code contract (0 ok, 1 run failed, 2 bad input, 3 diverged), no stack traces, JSON without NaN.</summary>
public sealed class ExitCodeContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinn-exit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Exceptions_map_to_the_documented_codes()
    {
        Assert.Equal(2, CliOutput.Describe(new UsageException("x")).Code);
        Assert.Equal(2, CliOutput.Describe(new ProblemFileException("p.toml", 1, 2, "bad")).Code);
        Assert.Equal(2, CliOutput.Describe(new InvalidDataException("bad data")).Code);
        Assert.Equal(2, CliOutput.Describe(new FileNotFoundException("missing")).Code);
        Assert.Equal(2, CliOutput.Describe(new System.Text.Json.JsonException("bad json")).Code);
        Assert.Equal(2, CliOutput.Describe(new FormatException("bad base64")).Code);
        Assert.Equal(3, CliOutput.Describe(new TrainingDivergedException("loss became NaN")).Code);
        Assert.Equal(1, CliOutput.Describe(new IOException("disk full")).Code);
        Assert.Equal(2, CliOutput.Describe(new AggregateException(new InvalidDataException("inner"))).Code);
    }

    [Fact]
    public void Internal_errors_do_not_show_their_internal_message()
    {
        var (code, message) = CliOutput.Describe(new NullReferenceException());
        Assert.Equal(1, code);
        Assert.DoesNotContain("Object reference", message);
        Assert.Contains("internal error", message);
    }

    [Fact]
    public void Messages_name_no_local_absolute_path_and_no_temp_file()
    {
        string message = CliOutput.Scrub($"Checkpoint '{Path.Combine(Path.GetTempPath(), "runs", "r1", "checkpoint.json.tmp-a81F3")}' is corrupt; u/x/y stays");
        Assert.Equal("Checkpoint 'checkpoint.json' is corrupt; u/x/y stays", message);
        string inside = Path.Combine(Directory.GetCurrentDirectory(), "runs", "a", "config.json");
        Assert.Equal("'runs/a/config.json' is bad", CliOutput.Scrub($"'{inside}' is bad"));
    }

    [Fact]
    public void Non_finite_numbers_are_written_as_null()
    {
        var json = CliOutput.ToJson(new JsonObject
        {
            ["rel_l2"] = double.NaN, ["loss"] = double.PositiveInfinity, ["ok"] = 0.5, ["n"] = 3,
            ["fields"] = new JsonObject { ["u"] = double.NegativeInfinity }, ["list"] = new JsonArray(1.0, double.NaN),
        });
        Assert.Equal("""{"rel_l2":null,"loss":null,"ok":0.5,"n":3,"fields":{"u":null},"list":[1,null]}""", json);
    }

    [Fact]
    public void A_hostile_problem_file_exits_2_with_its_place_and_no_stack_trace()
    {
        string file = Path.Combine(_dir, "deep.toml");
        File.WriteAllText(file, $$"""
            name = "deep"
            outputs = ["u"]
            [inputs]
            x = [0, 1]
            [[terms]]
            name = "residual"
            expr = "{{string.Concat(Enumerable.Repeat("sin(", 10_000))}}u{{new string(')', 10_000)}}"
            """);
        var r = PinnCli.Run("problems", "--file", file, "--json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("deep.toml:7:", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain(_dir, r.Stderr);
    }

    [Fact]
    public void Problems_prints_a_parenthesized_difference_that_reads_back()
    {
        string file = Path.Combine(_dir, "paren.toml");
        File.WriteAllText(file, """
            name = "paren"
            outputs = ["u"]
            [inputs]
            t = [0, 1]
            x = [0, 1]
            [[terms]]
            name = "residual"
            expr = "u - (x + t)"
            """);
        var r = PinnCli.Run("problems", "--file", file, "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("u - (x + t)", r.Json["problem"]!["terms"]![0]!["pieces"]![0]!["errors"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Eval_onnx_on_a_model_with_a_fixed_batch_dimension_is_refused_clearly()
    {
        string model = Path.Combine(_dir, "fixed.onnx");
        File.WriteAllBytes(model, TwiceModel(batch: 4));
        string reference = Path.Combine(_dir, "ref.csv");
        File.WriteAllText(reference, "s,twice_s\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i},{2 * i}\n")));
        var r = PinnCli.Run("eval-onnx", model, "--reference", reference);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fixed batch dimension", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain(_dir, r.Stderr);
    }

    // ---- an ONNX model written field by field (onnx.proto): twice_s = s + s over [batch, 1] ----

    private static byte[] TwiceModel(long batch)
    {
        byte[] Column(string name) => Message(w =>
        {
            String(w, 1, name);
            Nested(w, 2, Message(type => Nested(type, 1, Message(tensor =>
            {
                tensor.WriteTag(1, WireFormat.WireType.Varint); tensor.WriteInt32(1); // FLOAT
                Nested(tensor, 2, Message(shape =>
                {
                    Nested(shape, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(batch); }));
                    Nested(shape, 1, Message(d => { d.WriteTag(1, WireFormat.WireType.Varint); d.WriteInt64(1); }));
                }));
            }))));
        });
        var node = Message(w => { String(w, 1, "s"); String(w, 1, "s"); String(w, 2, "twice_s"); String(w, 3, "twice"); String(w, 4, "Add"); });
        var graph = Message(w => { Nested(w, 1, node); String(w, 2, "fixed"); Nested(w, 11, Column("s")); Nested(w, 12, Column("twice_s")); });
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint); w.WriteInt64(8);
            Nested(w, 7, graph);
            Nested(w, 8, Message(o => { String(o, 1, ""); o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(17); }));
        });
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new CodedOutputStream(buffer, leaveOpen: true)) { write(w); w.Flush(); }
        return buffer.ToArray();
    }

    private static void String(CodedOutputStream w, int field, string value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(Encoding.UTF8.GetBytes(value)));
    }

    private static void Nested(CodedOutputStream w, int field, byte[] message)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(message));
    }
}
