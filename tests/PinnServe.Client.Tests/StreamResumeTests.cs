using Grpc.Core;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Client.Tests;

/// <summary>Splicing the attempts of a QueryStream: each point once, in order, with its own values.</summary>
public class StreamResumeTests
{
    private const int Fields = 2;

    /// <summary>The chunks a server sends for points [0, count) at <paramref name="chunkPoints"/> per message: value = 10·point + field.</summary>
    private static IEnumerable<QueryChunk> Stream(int count, int chunkPoints, string version = "1", int[]? outside = null)
    {
        for (int first = 0; first < count; first += chunkPoints)
        {
            int n = Math.Min(chunkPoints, count - first);
            var chunk = new QueryChunk { FirstPoint = (ulong)first, PointCount = (uint)n };
            for (int p = first; p < first + n; p++)
                for (int f = 0; f < Fields; f++) chunk.Values.Add(10 * p + f);
            foreach (int o in outside ?? []) if (o >= first && o < first + n) chunk.OutOfDomainPoints.Add((ulong)o);
            if (first == 0) { chunk.ModelVersion = version; chunk.Fields.Add(["u", "v"]); }
            yield return chunk;
        }
    }

    [Fact]
    public void An_uninterrupted_stream_passes_through_untouched()
    {
        var resume = new StreamResume("m");
        resume.StartAttempt();
        foreach (var chunk in Stream(10, 4)) Assert.Same(chunk, resume.Accept(chunk));
        Assert.Equal(10, resume.Delivered);
    }

    [Theory]
    [InlineData(0, 3)]   // cut before any chunk
    [InlineData(1, 3)]   // cut after one chunk, resumed with the same boundaries
    [InlineData(2, 7)]   // resumed with other boundaries: a chunk is split
    [InlineData(3, 1)]
    public void A_cut_stream_resumed_from_the_start_delivers_each_point_once(int chunksBeforeCut, int resumedChunkPoints)
    {
        int[] outside = [2, 5, 6, 11];
        var resume = new StreamResume("m");
        var delivered = new List<QueryChunk>();
        resume.StartAttempt();
        foreach (var chunk in Stream(13, 3, outside: outside).Take(chunksBeforeCut)) delivered.Add(resume.Accept(chunk)!);
        resume.StartAttempt();
        foreach (var chunk in Stream(13, resumedChunkPoints, outside: outside))
            if (resume.Accept(chunk) is { } part) delivered.Add(part);

        long next = 0;
        var values = new List<float>();
        var outOfDomain = new List<ulong>();
        foreach (var chunk in delivered)
        {
            Assert.Equal(next, (long)chunk.FirstPoint);
            Assert.Equal(chunk.PointCount * Fields, (uint)chunk.Values.Count);
            Assert.Equal(chunk.FirstPoint == 0, chunk.ModelVersion == "1"); // version and fields only in the stream's first chunk
            next += chunk.PointCount;
            values.AddRange(chunk.Values);
            outOfDomain.AddRange(chunk.OutOfDomainPoints);
        }
        Assert.Equal(13, next);
        Assert.Equal(Enumerable.Range(0, 13).SelectMany(p => new float[] { 10 * p, 10 * p + 1 }), values);
        Assert.Equal(outside.Select(o => (ulong)o), outOfDomain);
    }

    [Fact]
    public void A_resumed_stream_from_another_model_version_is_aborted()
    {
        var resume = new StreamResume("cavity");
        resume.StartAttempt();
        resume.Accept(Stream(10, 4, version: "3").First());
        resume.StartAttempt();
        var error = Assert.Throws<RpcException>(() => resume.Accept(Stream(10, 4, version: "4").First()));
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("version 3 to 4", error.Status.Detail);
    }

    [Fact]
    public void A_gap_in_the_stream_is_an_error_not_silently_missing_points()
    {
        var resume = new StreamResume("m");
        resume.StartAttempt();
        var chunks = Stream(12, 4).ToArray();
        resume.Accept(chunks[0]);
        Assert.Equal(StatusCode.Internal, Assert.Throws<RpcException>(() => resume.Accept(chunks[2])).StatusCode);
    }
}
