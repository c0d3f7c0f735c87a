using PinnServe.Server.Batching;
using PinnServe.Server.Models;

namespace PinnServe.Server.Tests.Batching;

/// <summary>
/// Dynamic batching. States such as "a batch is running" are produced with a gated model and observed through
/// conditions (never by timing), so every test is deterministic up to generous time-outs.
/// </summary>
public sealed class QueryBatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly float[] Marker = [0.999f, 0.999f];

    private static bool IsMarker(float[] points) => points.Length == 2 && points[0] == Marker[0] && points[1] == Marker[1];

    [Fact]
    public async Task Calls_gathered_while_a_batch_runs_are_merged_into_one_evaluation_and_split_back()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 4, MaxBatchPoints = 30 });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["b", "a"]);
        Assert.True(model.Held.Wait(Patience));

        // 12 calls of 1..4 points (30 points): the batch is full, and starts, with the last one.
        var random = new Random(3);
        var calls = Enumerable.Range(0, 12).Select(i => Points(random, 1 + i % 4)).ToArray();
        var results = calls.Select(p => batcher.EvaluateAsync(model, p, p.Length / 2, ["b", "a"])).ToArray();
        var answers = await Task.WhenAll(results).WaitAsync(Patience);

        for (int c = 0; c < calls.Length; c++)
        {
            Assert.Equal(12, answers[c].BatchRequests);
            Assert.Equal(30, answers[c].BatchPoints);
            int n = calls[c].Length / 2;
            Assert.Equal(2 * n, answers[c].Values.Length);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(RecordingModel.Field("b", calls[c][2 * i], calls[c][2 * i + 1]), answers[c].Values[2 * i]);
                Assert.Equal(RecordingModel.Field("a", calls[c][2 * i], calls[c][2 * i + 1]), answers[c].Values[2 * i + 1]);
            }
        }
        Assert.Equal(2, model.Calls.Count); // the blocker, then one merged call
        Assert.False(blocker.IsCompleted);
        model.Release();
        Assert.Equal(1, (await blocker.WaitAsync(Patience)).BatchRequests);
    }

    [Fact]
    public async Task A_slow_batch_does_not_hold_the_calls_behind_it()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromMilliseconds(1) });
        var slow = batcher.EvaluateAsync(model, Marker, 1, ["a", "b"]);
        Assert.True(model.Held.Wait(Patience));

        // The slow batch never finishes during this test: the next ones start when their delay has passed.
        for (int round = 0; round < 5; round++)
        {
            var points = new[] { 0.25f, round / 10f };
            var answer = await batcher.EvaluateAsync(model, points, 1, ["a", "b"]).WaitAsync(Patience);
            Assert.Equal(new[] { RecordingModel.Field("a", points[0], points[1]), RecordingModel.Field("b", points[0], points[1]) }, answer.Values);
        }
        Assert.False(slow.IsCompleted);
        model.Release();
        await slow.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_cancelled_call_is_left_out_of_its_batch_and_the_others_complete()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 1, MaxBatchPoints = 3 });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["a"]);
        Assert.True(model.Held.Wait(Patience));

        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.EvaluateAsync(model, [0.1f, 0.1f], 1, ["a"], cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));

        // The cancelled call still occupies a place in the open batch; the next two fill it and it starts at once.
        var second = batcher.EvaluateAsync(model, [0.2f, 0.3f], 1, ["a"]);
        var third = batcher.EvaluateAsync(model, [0.4f, 0.5f], 1, ["a"]);
        Assert.Equal(new[] { 0.2f + 2 * 0.3f }, (await second.WaitAsync(Patience)).Values);
        Assert.Equal(new[] { 0.4f + 2 * 0.5f }, (await third.WaitAsync(Patience)).Values);
        Assert.Equal(new[] { 0.2f, 0.3f, 0.4f, 0.5f }, model.Calls[^1]);
        Assert.False(blocker.IsCompleted);
        model.Release();
        await blocker.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_failing_evaluation_fails_every_call_of_its_batch_and_the_next_batch_runs()
    {
        using var model = new RecordingModel { Throws = new InvalidOperationException("ONNX Runtime failed") };
        var batcher = new QueryBatcher(new BatchingOptions());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.EvaluateAsync(model, [0.5f, 0.5f], 1, ["a"]).WaitAsync(Patience));
        Assert.Equal("ONNX Runtime failed", error.Message);
        model.Throws = null;
        Assert.Equal(new[] { 0.5f * 0.5f }, (await batcher.EvaluateAsync(model, [0.5f, 0.5f], 1, ["b"]).WaitAsync(Patience)).Values);
    }

    [Fact]
    public void Only_small_calls_are_batched_and_bad_options_are_named()
    {
        var batcher = new QueryBatcher(new BatchingOptions { MaxRequestPoints = 8 });
        Assert.True(batcher.Accepts(1));
        Assert.True(batcher.Accepts(8));
        Assert.False(batcher.Accepts(9));
        Assert.False(batcher.Accepts(0));
        Assert.False(new QueryBatcher(new BatchingOptions { Enabled = false }).Accepts(1));
        Assert.Contains("-2 ms", Assert.Throws<ArgumentException>(() => new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromMilliseconds(-2) })).Message);
        Assert.Contains("(10 points)", Assert.Throws<ArgumentException>(() => new QueryBatcher(new BatchingOptions { MaxRequestPoints = 10, MaxBatchPoints = 5 })).Message);
    }

    private static float[] Points(Random random, int count) =>
        Enumerable.Range(0, 2 * count).Select(_ => (float)random.NextDouble()).ToArray();
}
