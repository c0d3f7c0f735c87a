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
    public async Task Calls_that_wait_behind_a_running_batch_go_together_when_it_ends_and_are_counted()
    {
        using var model = new RecordingModel(IsMarker);
        // The longest delay allowed: the waiting calls must go with the worker that frees up, not with the timer.
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 2, MaxBatchPoints = 64 });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["a"]);
        Assert.True(model.Held.Wait(Patience));
        var random = new Random(5);
        var calls = Enumerable.Range(0, 7).Select(i => Points(random, 1 + i % 2)).ToArray();
        var results = calls.Select(p => batcher.EvaluateAsync(model, p, p.Length / 2, ["a"])).ToArray();
        Assert.Single(model.Calls); // nothing runs beside the blocker: the batch is not full
        model.Release();
        var answers = await Task.WhenAll(results).WaitAsync(Patience);
        await blocker.WaitAsync(Patience);

        Assert.Equal(2, model.Calls.Count);
        Assert.Equal(calls.SelectMany(p => p), model.Calls[1]); // one evaluation, in arrival order
        for (int c = 0; c < calls.Length; c++)
        {
            Assert.Equal(7, answers[c].BatchRequests);
            Assert.Equal(c == 0, answers[c].FirstInBatch);
            Assert.Equal(Enumerable.Range(0, calls[c].Length / 2).Select(i => RecordingModel.Field("a", calls[c][2 * i], calls[c][2 * i + 1])), answers[c].Values);
        }
        var totals = batcher.Statistics.Read();
        Assert.Equal(2, totals.Batches);
        Assert.Equal(8, totals.Calls);
        Assert.Equal(1 + calls.Sum(p => p.Length / 2), totals.Points);
    }

    [Fact]
    public async Task A_backlog_larger_than_a_batch_is_sent_in_batches_of_at_most_the_batch_size_in_arrival_order()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 3, MaxBatchPoints = 5 });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["a", "b"]);
        Assert.True(model.Held.Wait(Patience));
        var random = new Random(9);
        var calls = Enumerable.Range(0, 11).Select(i => Points(random, 1 + i % 3)).ToArray();
        var results = calls.Select(p => batcher.EvaluateAsync(model, p, p.Length / 2, ["a", "b"])).ToArray();
        model.Release();
        var answers = await Task.WhenAll(results).WaitAsync(Patience);
        await blocker.WaitAsync(Patience);

        var batches = model.Calls.Skip(1).ToArray();
        Assert.All(batches, b => Assert.InRange(b.Length / 2, 1, 5));
        Assert.Equal(calls.Sum(p => p.Length), batches.Sum(b => b.Length)); // every point evaluated exactly once
        // Each batch holds whole calls, consecutive in arrival order.
        var position = calls.Select((p, i) => (p, i)).ToDictionary(c => c.p[0], c => c.i);
        foreach (var batch in batches)
        {
            int at = 0, expected = position[batch[0]];
            while (at < batch.Length)
            {
                Assert.Equal(calls[expected], batch[at..(at + calls[expected].Length)]);
                at += calls[expected++].Length;
            }
        }
        for (int c = 0; c < calls.Length; c++)
            for (int i = 0; i < calls[c].Length / 2; i++)
            {
                Assert.Equal(RecordingModel.Field("a", calls[c][2 * i], calls[c][2 * i + 1]), answers[c].Values[2 * i]);
                Assert.Equal(RecordingModel.Field("b", calls[c][2 * i], calls[c][2 * i + 1]), answers[c].Values[2 * i + 1]);
            }
    }

    [Fact]
    public async Task Calls_asking_for_the_same_fields_in_another_order_are_not_merged()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1) });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["a", "b"]);
        Assert.True(model.Held.Wait(Patience));
        var same = batcher.EvaluateAsync(model, [0.1f, 0.2f], 1, new[] { "a", "b" });
        var reversed = batcher.EvaluateAsync(model, [0.3f, 0.4f], 1, ["b", "a"]);
        // The reversed list has its own idle queue and runs at once, while the blocker still holds the other one;
        // merged with it, one of the two would get its fields in the wrong order.
        Assert.Equal(new[] { 0.3f * 0.4f, 0.3f + 2 * 0.4f }, (await reversed.WaitAsync(Patience)).Values);
        Assert.Contains(model.Calls, c => c.SequenceEqual(new[] { 0.3f, 0.4f }));
        model.Release();
        Assert.Equal(new[] { 0.1f + 2 * 0.2f, 0.1f * 0.2f }, (await same.WaitAsync(Patience)).Values);
        await blocker.WaitAsync(Patience);
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
    public async Task A_call_whose_deadline_passed_while_it_waited_is_not_evaluated_and_fails_with_deadline_exceeded()
    {
        using var model = new RecordingModel(IsMarker);
        var batcher = new QueryBatcher(new BatchingOptions { MaxDelay = TimeSpan.FromSeconds(1), MaxRequestPoints = 1, MaxBatchPoints = 4 });
        var blocker = batcher.EvaluateAsync(model, Marker, 1, ["a"]);
        Assert.True(model.Held.Wait(Patience));

        // Its deadline has already passed when the running batch ends and the waiting calls are taken.
        var expired = batcher.EvaluateAsync(model, [0.1f, 0.1f], 1, ["a"], deadline: System.Diagnostics.Stopwatch.GetTimestamp() - 1);
        var live = batcher.EvaluateAsync(model, [0.2f, 0.3f], 1, ["a"]);
        model.Release();
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => expired.WaitAsync(Patience));
        Assert.Equal(Grpc.Core.StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(new[] { 0.2f + 2 * 0.3f }, (await live.WaitAsync(Patience)).Values);
        Assert.DoesNotContain(model.Calls, call => call.Contains(0.1f));
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
