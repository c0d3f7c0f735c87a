using System.IO.Pipelines;
using Grpc.Core;
using PinnServe.Server.Internal;

namespace PinnServe.Server.Tests.Functional;

/// <summary>A client reset while the request body arrives becomes CANCELLED (Kestrel's IOException would be logged as a handler error).</summary>
public sealed class ResetAwareReaderTests
{
    private sealed class ResetReader : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromException<ReadResult>(new IOException("The client reset the request stream."));
        public override bool TryRead(out ReadResult result) => throw new IOException("The client reset the request stream.");
        public override void AdvanceTo(SequencePosition consumed) { }
        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) { }
        public override void CancelPendingRead() { }
        public override void Complete(Exception? exception = null) { }
    }

    [Fact]
    public async Task A_reset_upload_is_a_cancelled_status()
    {
        var reader = new GrpcCallGate.ResetAwareReader(new ResetReader());
        var error = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, Assert.Throws<RpcException>(() => reader.TryRead(out _)).StatusCode);
    }

    [Fact]
    public async Task A_read_cancelled_by_its_own_token_stays_a_cancellation()
    {
        var pipe = new Pipe();
        var reader = new GrpcCallGate.ResetAwareReader(pipe.Reader);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadAsync(cancel.Token));
    }
}
